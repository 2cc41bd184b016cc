import { loadAppConfig, type AppRole } from './app.config';

/**
 * The process role decides which providers a module registers (processors only where jobs run), so it
 * is needed while modules are being declared, before Nest's config service exists.
 */
export function currentRole(): AppRole {
  return loadAppConfig().role;
}

export const runsWorkers = (role: AppRole = currentRole()): boolean => role !== 'web';
export const servesApi = (role: AppRole = currentRole()): boolean => role !== 'worker';

/** Providers (processors, schedulers) that only the worker role runs. */
export function workerOnly<T>(...providers: T[]): T[] {
  return runsWorkers() ? providers : [];
}

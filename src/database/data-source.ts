import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../config/database.config';
import { buildDataSourceOptions } from './data-source-options';

// Used by the TypeORM CLI (`npm run migration:*`); reads the same validated config as the app.
export default new DataSource(buildDataSourceOptions(loadDatabaseConfig()));

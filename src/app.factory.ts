import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { ApiKeyAuthenticator } from './common/auth/api-key-authenticator';
import { registerRouteAuth } from './common/auth/route-auth.hook';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { createValidationPipe } from './common/http/validation.pipe';
import { loadAppConfig } from './config/app.config';
import { fastifyTrustProxy, loadHttpConfig } from './config/http.config';
import { servesApi } from './config/app-role';
import { REQUEST_ID_HEADER, requestIdFor } from './logging/logger-options';

const DOCS_PATH = '/docs';

/** Builds the configured (not yet listening) application: used by main.ts and by the e2e tests. */
export async function createApp(options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  // Absent, the loaders read the process's environment.
  const config = loadAppConfig(options.env);
  const http = loadHttpConfig(options.env);
  // request.ip is the socket's address unless TRUST_PROXY names the proxies in front: a forged
  // X-Forwarded-For then changes nothing, and behind a trusted balancer the real client is seen.
  const adapter = new FastifyAdapter({
    bodyLimit: config.webhookBodyLimit,
    genReqId: requestIdFor,
    trustProxy: fastifyTrustProxy(http.trustProxy),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    rawBody: true,
    bufferLogs: true,
    // Throw instead of process.exit(1) on a boot error: main.ts reports it and exits 1, and a test
    // sees the error instead of a worker that dies (or hangs) half-way.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  // Echoed so a caller can quote the id that every log line of its request carries.
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  await app.register(helmet, { contentSecurityPolicy: false });
  registerRouteAuth(fastify, app.get(ApiKeyAuthenticator), {
    publicPrefixes: [DOCS_PATH],
    // A worker answers health probes only.
    onlyPrefixes: servesApi(config.role) ? undefined : ['/health'],
  });

  if (servesApi(config.role) && config.docsEnabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('messenger-hub')
        .setDescription('Admin, webhook and site APIs of messenger-hub')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup(DOCS_PATH.slice(1), app, document);
  }
  return app;
}

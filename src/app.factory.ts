import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { ApiKeyAuthenticator } from './common/auth/api-key-authenticator.service';
import { registerAdminAuth } from './common/auth/admin-auth.hook';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { createValidationPipe } from './common/http/validation.pipe';
import { loadAppConfig } from './config/app.config';
import { servesApi } from './config/app-role';
import { REQUEST_ID_HEADER, requestIdFor } from './logging/logger-options';

/** Builds the configured (not yet listening) application: used by main.ts and by the e2e tests. */
export async function createApp(options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const config = loadAppConfig();
  const adapter = new FastifyAdapter({ bodyLimit: config.webhookBodyLimit, genReqId: requestIdFor });
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
  if (!servesApi(config.role)) {
    // A worker answers health probes only.
    fastify.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/health')) {
        return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: 'This is a worker process' });
      }
    });
  }
  registerAdminAuth(fastify, app.get(ApiKeyAuthenticator));

  if (servesApi(config.role)) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('messenger-hub')
        .setDescription('Admin, webhook and site APIs of messenger-hub')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document);
  }
  return app;
}

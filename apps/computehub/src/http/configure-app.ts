import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LOG_ANSWER_MAX_BYTES, MAX_BODY_BYTES, NODE_REPORT_MAX_BYTES } from '@gridcore/contracts';
import { HttpErrorFilter } from '../errors/http-error.filter';
import { bodyParsersByPath, hubBodyParsers } from './body-parsers';
import { cacheValidationMetadata } from './validation-metadata-cache';
import { weakEtag } from './weak-etag';

/** Where the node protocol is served (GridnodeController). */
const NODE_PROTOCOL_PATHS = ['/gridnode', '/agent'];
/** Where nodes send their containers' logs (LogRelayController): up to 1 MiB an answer. */
const LOG_RELAY_PATHS = ['/gridnode/logs', '/agent/logs'];

/** Body parsing, validation, errors and Swagger: shared by main and the e2e tests. */
export function configureHubApp(app: NestExpressApplication): INestApplication {
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Express's weak ETags unchanged, made cheaper (every answer carries one).
  app.set('etag', weakEtag);
  // The node protocol's bodies become node records kept for every node: a smaller limit there.
  app.use(
    bodyParsersByPath(
      LOG_RELAY_PATHS,
      hubBodyParsers(LOG_ANSWER_MAX_BYTES),
      bodyParsersByPath(NODE_PROTOCOL_PATHS, hubBodyParsers(NODE_REPORT_MAX_BYTES), hubBodyParsers(MAX_BODY_BYTES)),
    ),
  );
  cacheValidationMetadata();
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new HttpErrorFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('GridCore ComputeHub')
      .setDescription('Tasks, nodes and the node protocol of the grid (compatible with IDM-GridCore)')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
  return app;
}

import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ListMessagesQuery } from './dto/list-messages.query';
import { MessageList, MessageView, SendAccepted } from './dto/message.view';
import { recipientOf, SendMessageDto } from './dto/send-message.dto';
import { OutboxAdminService } from './outbox-admin.service';
import { SendService } from './send.service';
import { UuidParam } from '../common/http/id-params';
import { PageIdParam } from '../pages/dto/page-id.param';
import { Audience } from '../common/auth/audience';

@ApiTags('messages')
@ApiBearerAuth()
@Audience('admin')
@Controller('admin')
export class SendController {
  constructor(
    private readonly send: SendService,
    private readonly admin: OutboxAdminService,
  ) {}

  @Post('pages/:pageId/messages')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue a message to a person',
    description:
      'Stored in the outbox and sent by a worker. A paused or token-invalid Page accepts it as `held`. ' +
      'A repeated Idempotency-Key answers 200 with the first message instead of sending again.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Unique per Page; 1-255 printable characters',
  })
  @ApiAcceptedResponse({ type: SendAccepted })
  @ApiOkResponse({
    type: SendAccepted,
    description: 'The Idempotency-Key was used before: the first message',
  })
  @ApiBadRequestResponse({
    description: 'Bad body, tag not allowed, or userId recipients (account linking unavailable)',
  })
  @ApiNotFoundResponse({ description: 'Unknown Page' })
  @ApiUnprocessableEntityResponse({ description: 'outside_messaging_window: Facebook would refuse it' })
  async sendMessage(
    @Param() { pageId }: PageIdParam,
    @Body() body: SendMessageDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SendAccepted> {
    const result = await this.send.send({
      pageId,
      recipient: recipientOf(body.recipient),
      message: body.message,
      senderAction: body.senderAction,
      messagingType: body.messagingType,
      tag: body.tag,
      notificationType: body.notificationType,
      idempotencyKey,
    });
    if (!result.created) void reply.status(200);
    return { id: result.id, status: result.status };
  }

  @Get('messages')
  @ApiOperation({ summary: 'List outbox messages, newest first' })
  @ApiOkResponse({ type: MessageList })
  @ApiNotFoundResponse({ description: 'Unknown Page' })
  list(@Query() query: ListMessagesQuery): Promise<MessageList> {
    return this.admin.list({ ...query, limit: query.limit ?? 50 });
  }

  @Get('messages/:id')
  @ApiOperation({ summary: 'One outbox message with its last error and what to do about it' })
  @ApiOkResponse({ type: MessageView })
  @ApiNotFoundResponse({ description: 'Unknown message' })
  get(@Param() { id }: UuidParam): Promise<MessageView> {
    return this.admin.get(id);
  }

  @Post('messages/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a failed or held message again' })
  @ApiOkResponse({ type: MessageView })
  @ApiNotFoundResponse({ description: 'Unknown message' })
  @ApiConflictResponse({ description: 'The message is not failed or held' })
  retry(@Param() { id }: UuidParam): Promise<MessageView> {
    return this.admin.retry(id);
  }

  @Post('messages/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a queued or held message' })
  @ApiOkResponse({ type: MessageView })
  @ApiNotFoundResponse({ description: 'Unknown message' })
  @ApiConflictResponse({ description: 'The message is not queued or held' })
  cancel(@Param() { id }: UuidParam): Promise<MessageView> {
    return this.admin.cancel(id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ImportPagesDto, ImportPagesResponseDto } from './dto/import-pages.dto';
import { ListPagesQuery } from './dto/list-pages.query';
import { MessengerProfileDto } from './dto/messenger-profile.dto';
import { PageIdParam } from './dto/page-id.param';
import { PageHealthResponse, PageListResponse, RemovedPageResponse } from './dto/page-responses.dto';
import { RegisterPageDto } from './dto/register-page.dto';
import { UpdatePageDto } from './dto/update-page.dto';
import type { PageHealthReport } from './page-health.report';
import { PageHealthService } from './page-health.service';
import { PageLifecycleService, type RemovedPage } from './page-lifecycle.service';
import { PageProfileService } from './page-profile.service';
import { PageRegistrationService, type ImportResult } from './page-registration.service';
import { PageView } from './page-view';
import { PagesService, type PageList } from './pages.service';
import { Audience } from '../common/auth/audience';

const DEFAULT_LIMIT = 50;

@ApiTags('pages')
@ApiBearerAuth()
@Audience('admin')
@Controller('admin/pages')
export class PagesController {
  constructor(
    private readonly pages: PagesService,
    private readonly registration: PageRegistrationService,
    private readonly lifecycle: PageLifecycleService,
    private readonly health: PageHealthService,
    private readonly profile: PageProfileService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a Page from its access token (201), or re-register it (200)' })
  @ApiResponse({ status: 201, type: PageView })
  @ApiResponse({ status: 200, type: PageView, description: 'Existing Page: token replaced, reactivated' })
  @ApiResponse({ status: 422, description: 'Facebook rejected the token, or it is not a usable Page token' })
  @ApiResponse({ status: 502, description: 'The Graph API could not be reached; nothing stored' })
  async register(
    @Body() body: RegisterPageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PageView> {
    const { page, created } = await this.registration.register(body);
    void reply.status(created ? 201 : 200);
    return page;
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({ summary: 'Register every Page (or some) a user token manages, via /me/accounts' })
  @ApiOkResponse({ type: ImportPagesResponseDto })
  importFromUser(@Body() body: ImportPagesDto): Promise<ImportResult> {
    return this.registration.importFromUser(body);
  }

  @Get()
  @ApiOperation({ summary: 'List Pages, optionally by status, in pages of `limit`' })
  @ApiOkResponse({ type: PageListResponse })
  list(@Query() query: ListPagesQuery): Promise<PageList> {
    return this.pages.list({
      status: query.status,
      cursor: query.cursor,
      limit: query.limit ?? DEFAULT_LIMIT,
    });
  }

  @Get(':pageId')
  @ApiOkResponse({ type: PageView })
  findOne(@Param() { pageId }: PageIdParam): Promise<PageView> {
    return this.pages.findById(pageId);
  }

  @Patch(':pageId')
  @ApiOperation({ summary: 'Rename, pause/resume, replace the token, or choose the bot' })
  @ApiOkResponse({ type: PageView })
  update(@Param() { pageId }: PageIdParam, @Body() body: UpdatePageDto): Promise<PageView> {
    return this.lifecycle.update(pageId, body);
  }

  @Delete(':pageId')
  @ApiOperation({ summary: 'Unsubscribe the app (best effort), erase the token, keep the row as removed' })
  @ApiOkResponse({ type: RemovedPageResponse })
  remove(@Param() { pageId }: PageIdParam): Promise<RemovedPage> {
    return this.lifecycle.remove(pageId);
  }

  @Post(':pageId/subscription')
  @HttpCode(200)
  @ApiOperation({ summary: 'Subscribe the app to the Page again now' })
  @ApiOkResponse({ type: PageView })
  subscribe(@Param() { pageId }: PageIdParam): Promise<PageView> {
    return this.lifecycle.subscribe(pageId);
  }

  @Get(':pageId/health')
  @ApiOperation({
    summary: 'Live check of token validity, expiry, scopes and subscription (stored on the Page)',
  })
  @ApiOkResponse({ type: PageHealthResponse })
  @ApiResponse({ status: 409, description: 'The Page was removed, or its token cannot be decrypted' })
  healthReport(@Param() { pageId }: PageIdParam): Promise<PageHealthReport> {
    return this.health.report(pageId);
  }

  @Get(':pageId/profile')
  @ApiOperation({ summary: 'The Page’s Messenger profile as Facebook has it' })
  getProfile(@Param() { pageId }: PageIdParam): Promise<Record<string, unknown>> {
    return this.profile.get(pageId);
  }

  @Put(':pageId/profile')
  @ApiOperation({ summary: 'Set Messenger profile fields (others stay); answers with the resulting profile' })
  setProfile(
    @Param() { pageId }: PageIdParam,
    @Body() body: MessengerProfileDto,
  ): Promise<Record<string, unknown>> {
    return this.profile.set(pageId, body as Record<string, unknown>);
  }
}

import { loadMessengerConfig } from '../config/messenger.config';
import { loadPagesConfig } from '../config/pages.config';
import { loadSecurityConfig } from '../config/security.config';
import type { GraphApiClient } from '../graph/graph-api.client';
import type { TokenDebugInfo } from '../graph/graph-api.types';
import { GraphApiError } from '../graph/graph-api.error';
import { PageTokenVerifier } from './page-token.verifier';
import { BadGatewayError, GraphRejectedError, PageTokenUnsuitableError } from './pages.errors';
import { TokenVault } from './token-vault';

const APP_ID = '555000111';
const PAGE_ID = '104857600123456';
const TOKEN = 'EAAPageTokenForVerifierSpec0123456789';

const validInfo = (overrides: Partial<TokenDebugInfo> = {}): TokenDebugInfo => ({
  isValid: true,
  type: 'PAGE',
  appId: APP_ID,
  profileId: PAGE_ID,
  scopes: ['pages_messaging', 'pages_manage_metadata'],
  expiresAt: null,
  ...overrides,
});

function verifierWith(graph: Partial<GraphApiClient>): PageTokenVerifier {
  const vault = new TokenVault(loadSecurityConfig({}), loadPagesConfig({}));
  return new PageTokenVerifier(graph as GraphApiClient, vault, loadMessengerConfig({ FB_APP_ID: APP_ID }));
}

function graphAnswering(info: TokenDebugInfo, me = { id: PAGE_ID, name: 'Acme' }): Partial<GraphApiClient> {
  return { getMe: jest.fn().mockResolvedValue(me), debugToken: jest.fn().mockResolvedValue(info) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PageTokenUnsuitableError) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe(PageTokenVerifier.name, () => {
  it('accepts a valid PAGE token of this app with pages_messaging and seals it for the page', async () => {
    const verified = await verifierWith(graphAnswering(validInfo())).verify(TOKEN, PAGE_ID);
    expect(verified).toMatchObject({ pageId: PAGE_ID, name: 'Acme' });
    expect(verified.record).toMatchObject({
      fingerprint: TokenVault.fingerprint(TOKEN),
      expiresAt: null,
      scopes: ['pages_manage_metadata', 'pages_messaging'],
    });
    expect(JSON.stringify(verified)).not.toContain(TOKEN);
  });

  it.each([
    ['token_invalid', validInfo({ isValid: false, errorMessage: 'Session expired' }), undefined],
    ['not_a_page_token', validInfo({ type: 'USER' }), undefined],
    ['token_of_another_app', validInfo({ appId: '999' }), undefined],
    ['missing_permission', validInfo({ scopes: ['pages_show_list'] }), undefined],
    ['token_page_mismatch', validInfo({ profileId: '777' }), undefined],
    ['page_id_mismatch', validInfo(), '888'],
  ])('refuses with %s', async (code, info, expectedPageId) => {
    await expect(codeOf(verifierWith(graphAnswering(info)).verify(TOKEN, expectedPageId))).resolves.toBe(
      code,
    );
  });

  it("passes Facebook's refusal of the token on as graph_token_rejected with its code and trace id", async () => {
    const rejection = new GraphApiError({
      httpStatus: 400,
      code: 190,
      subcode: 463,
      fbtraceId: 'AbC',
      message: 'Error validating access token',
    });
    const verifier = verifierWith({ getMe: jest.fn().mockRejectedValue(rejection), debugToken: jest.fn() });
    const error = await verifier.verify(TOKEN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRejectedError);
    expect(error).toMatchObject({
      status: 422,
      code: 'graph_token_rejected',
      message: 'Error validating access token',
      details: { graphCode: 190, graphSubcode: 463, fbtraceId: 'AbC' },
    });
  });

  it('answers 502 when the Graph API cannot be reached', async () => {
    const down = new GraphApiError({ message: 'connect ECONNREFUSED' });
    const verifier = verifierWith({ getMe: jest.fn().mockRejectedValue(down), debugToken: jest.fn() });
    await expect(verifier.verify(TOKEN)).rejects.toBeInstanceOf(BadGatewayError);
    await expect(verifier.verify(TOKEN)).rejects.toMatchObject({ status: 502, code: 'graph_unavailable' });
  });
});

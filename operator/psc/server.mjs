// Pro Santé Connect stand-in for the test operator: a standards-compliant OpenID Connect provider
// (node-oidc-provider, OpenID Certified) issuing PSC-like claims and short-lived JWT access tokens
// that Dovecot validates for XOAUTH2/OAUTHBEARER. In-memory state: every restart starts clean.
import http from 'node:http';
import fs from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

// The library's default in-memory adapter brings its own store of 1 000 entries, fewer than a
// thousand signed-in users need (a session, its uid, a grant, its members, a refresh token each):
// sessions were dropped, so were the refresh tokens bound to them, and every renewal of the load
// run (scripts/bench-load.sh) was refused ('refresh token not found'). Its class, given a store
// with room for 200 000 entries.
const store = new LRU({ maxSize: 200000 });
const adapter = (model) => new MemoryAdapter(model, store);

const PORT = Number(process.env.PSC_PORT || 9090);
const ISSUER = process.env.PSC_ISSUER || `http://127.0.0.1:${PORT}`;
const KEY_FILE = process.env.PSC_KEY_FILE;                  // RSA private key (PEM), made by start.sh
const DIRECTORY = process.env.PSC_DIRECTORY || new URL('../directory.json', import.meta.url).pathname;
const WEBMAIL_ORIGINS = (process.env.PSC_WEBMAIL_ORIGINS
  || 'http://127.0.0.1:8080 http://localhost:8080 http://127.0.0.1:8081 http://localhost:8081').split(/\s+/);
const RESOURCE = 'urn:mssante:mail';                        // audience Dovecot checks (client_id=)
const KID = 'psc-standin-rs256';

const accounts = JSON.parse(fs.readFileSync(DIRECTORY, 'utf8')).professionals;
const jwk = createPrivateKey(fs.readFileSync(KEY_FILE)).export({ format: 'jwk' });

// PSC identifiers: SubjectNameID = preferred_username = '8' + RPPS (idNat_PS)
const subOf = (rpps) => '8' + rpps;
const rppsOf = (sub) => sub.replace(/^8/, '');

function pscClaims(sub) {
  const a = accounts[rppsOf(sub)];
  if (!a) return undefined;
  return {
    sub,
    SubjectNameID: sub,
    preferred_username: sub,
    given_name: a.given_name,
    family_name: a.family_name,
    email: a.mailbox,            // not a PSC claim: the operator's RPPS -> mailbox mapping (see README)
    email_verified: true,
    SubjectOrganization: a.structure.raisonSociale,
    SubjectRole: [`${a.codeProfession}^1.2.250.1.213.1.1.5.5`],
    SubjectRefPro: {
      codeCivilite: a.codeCivilite,
      exercices: [{
        codeProfession: a.codeProfession, codeCategorieProfessionnelle: 'C',
        nomDexercice: a.family_name, prenomDexercice: a.given_name,
        codeTypeSavoirFaire: a.codeSavoirFaire ? 'S' : '', codeSavoirFaire: a.codeSavoirFaire || '',
        activities: [{ codeModeExercice: 'S', codeSecteurDactivite: 'SA01',
          raisonSocialeSite: a.structure.raisonSociale, identifiantTechniqueDeLaStructure: a.structure.idNat_Struct,
          numeroFinessSite: a.structure.numeroFINESS }],
      }],
    },
  };
}

// 'webmail-expiring' exists to test expiry: its access tokens live 5 s
const atTTL = (client) => (client && client.clientId === 'webmail-expiring' ? 5 : 300);
const callbacks = WEBMAIL_ORIGINS.map((o) => `${o}/auth/callback`);
const afterLogout = WEBMAIL_ORIGINS.map((o) => `${o}/`);

const configuration = {
  adapter,
  clients: ['webmail', 'webmail-expiring'].map((client_id) => ({
    client_id, client_secret: 'webmail-secret',
    redirect_uris: callbacks, post_logout_redirect_uris: afterLogout,
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig' }] },
  scopes: ['openid', 'offline_access', 'scope_all', 'mail'],
  acrValues: ['eidas1'],
  claims: {
    openid: ['sub'],
    scope_all: ['SubjectNameID', 'SubjectRefPro', 'SubjectOrganization', 'SubjectRole',
                'given_name', 'family_name', 'preferred_username', 'email'],
  },
  conformIdTokenClaims: false,      // PSC-like: scope claims in the ID token too
  findAccount: async (ctx, sub) => {
    if (!pscClaims(sub)) return undefined;
    return { accountId: sub, claims: async () => pscClaims(sub) };
  },
  extraTokenClaims: async (ctx, token) => {
    if (token.kind !== 'AccessToken') return undefined;
    const c = pscClaims(token.accountId);
    return c ? { email: c.email, SubjectNameID: c.SubjectNameID, preferred_username: c.preferred_username } : undefined;
  },
  // Dovecot 2.3.19 only accepts header typ "JWT" (as Keycloak/PSC emit), not RFC 9068 "at+jwt"
  formats: {
    customizers: {
      jwt: async (ctx, token, jwt) => {
        jwt.header = { typ: 'JWT' };
        jwt.payload.azp = token.clientId;   // Dovecot looks keys up under <prefix>/<azp>/<alg>/<kid>
      },
    },
  },
  pkce: { required: () => true },
  // Like Keycloak/PSC, a refresh token with every code exchange; none for 'webmail-expiring', whose
  // sessions must end when the access token does
  issueRefreshToken: async (ctx, client) => client.clientId === 'webmail' && client.grantTypeAllowed('refresh_token'),
  // each refresh token serves once (Keycloak's "Revoke Refresh Token"): using one twice revokes
  // the whole grant, as a stolen token replayed would
  rotateRefreshToken: () => true,
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource: async (ctx, form) => {
      ctx.body = page('Déconnexion', `<p>Vous quittez Pro Santé Connect.</p>${form}<button form="op.logoutForm" value="yes" name="logout">Se déconnecter</button>`);
    } },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resourceIndicator, client) => {
        if (resourceIndicator !== RESOURCE) throw new Error('unknown resource');
        return { scope: 'mail', audience: RESOURCE, accessTokenFormat: 'jwt',
                 accessTokenTTL: atTTL(client), jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  ttl: { IdToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600,
         RefreshToken: 3600,
         AccessToken: (ctx, token, client) => token.resourceServer?.accessTokenTTL || atTTL(client) },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['psc-standin-cookie-key'] },
  renderError: async (ctx, out) => { ctx.type = 'json'; ctx.body = out; },
};

const provider = new Provider(ISSUER, configuration);
provider.on('server_error', (ctx, err) => console.error('server_error', err));
// why a grant was refused (the load run's renewals): the provider's reason only, never a token
provider.on('grant.error', (ctx, err) => console.log('grant refused:', err.error_detail || err.message));
provider.on('grant.success', (ctx) => console.log('token issued for', ctx.oidc.entities.Account?.accountId, 'client', ctx.oidc.client?.clientId));

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="fr"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Pro Santé Connect (simulateur)</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1b1b35}
h1{color:#000091;font-size:1.4rem}label{display:block;margin:1rem 0 .3rem}input{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{margin-top:1rem;background:#000091;color:#fff;border:0;padding:.6rem 1.2rem;font-size:1rem;border-radius:4px}
li{margin:.2rem 0}code{background:#eee;padding:0 .2rem}</style><body>${body}</body></html>`;
const readForm = (req) => new Promise((res) => { let b = ''; req.on('data', (d) => { b += d; }); req.on('end', () => res(new URLSearchParams(b))); });

async function autoConsent(req, res, details) {
  const { prompt: { details: d }, params, session: { accountId } } = details;
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
  if (d.missingResourceScopes) for (const [ind, sc] of Object.entries(d.missingResourceScopes)) grant.addResourceScope(ind, sc.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function loginPage(uid, error) {
  const known = Object.entries(accounts).map(([rpps, a]) =>
    `<li><code>${esc(rpps)}</code> ${esc(a.given_name)} ${esc(a.family_name)}, ${esc(a.libelleProfession)}</li>`).join('');
  return page('Connexion', `<h1>Pro Santé Connect — e-CPS (simulateur de test)</h1>
    ${error ? `<p role="alert" style="color:#ce0500">${esc(error)}</p>` : ''}
    <form method="post" action="/interaction/${esc(uid)}/login">
      <label for="rpps">Identifiant RPPS</label><input id="rpps" name="rpps" inputmode="numeric" autocomplete="off" required>
      <button type="submit">Valider sur l'application e-CPS</button></form>
    <p>Professionnels fictifs de démonstration :</p><ul>${known}</ul>`);
}

const callback = provider.callback();
http.createServer(async (req, res) => {
  try {
    // PSC publishes its discovery document at a non-standard path
    if (req.url === '/.well-known/wallet-openid-configuration') req.url = '/.well-known/openid-configuration';
    const m = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (!m) return callback(req, res);
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET' && details.prompt.name === 'consent') return autoConsent(req, res, details); // PSC has no consent page
    const html = (status, body) => { res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }); res.end(body); };
    if (req.method === 'GET') return html(200, loginPage(details.uid));
    const rpps = ((await readForm(req)).get('rpps') || '').trim();
    if (!accounts[rpps]) return html(403, loginPage(details.uid, 'Identifiant RPPS inconnu.'));
    return provider.interactionFinished(req, res, { login: { accountId: subOf(rpps), amr: ['mfa'], acr: 'eidas1' } },
      { mergeWithLastSubmission: false });
  } catch (e) {
    console.error(e);
    res.writeHead(500); res.end(String(e));
  }
}).listen(PORT, '127.0.0.1', () => console.log(`PSC stand-in listening on ${ISSUER}`));

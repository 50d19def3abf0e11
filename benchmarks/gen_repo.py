#!/usr/bin/env python3
"""Generate a deterministic, realistic-looking code repository for imslint's speed benchmark.

The tree mixes the languages a Campaign customer's repositories hold (Campaign
server-side JS, JSSP, workflow and ``xtk:javascript`` packages, Node, Java, C#,
Python, PHP, shell, YAML, JSON and Postman collections, ``.properties``,
``.env``, Markdown, SQL), a few minified bundles and large data files, and a few
binary files. Clean files are full of the words the rules' pre-filters look for
(session, token, password, login, Bearer, ``ims/token/v3``, empty
``<sessiontoken/>``, ``{{password}}`` placeholders, SAP ``logon(``) without
holding a legacy credential. A fraction of the files (``--planted``) receive one
planted legacy credential each, drawn from the patterns of domain.md section 3;
``DIR/.planted.json`` lists them (path, line, first/last line of the snippet,
kind) so that recall can be measured.

Everything comes from ``random.Random(seed)``: the same arguments give the same
bytes. Files are written as they are generated (nothing is kept in memory but
the manifest).

    python benchmarks/gen_repo.py --out benchmarks/data/full
    python benchmarks/gen_repo.py --out benchmarks/data/small --fraction 0.1
    python benchmarks/gen_repo.py --out benchmarks/data/sparse --density 0.08

``--density`` is the share of files that keep the words the pre-filters look for
(default 1: all of them, about 95 % of files then hold one). In the others every
such word is scrubbed (its letters replaced by ``x``), as in an integration
repository where most files are unrelated application code. Planted files are
never scrubbed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from typing import Callable, Dict, List, Optional, Sequence, Tuple

MANIFEST = ".planted.json"
GENERATOR_VERSION = 1  # bump when the output for a given seed changes, so that old trees are regenerated

# --------------------------------------------------------------------------- word pools

NOUNS = (
    "customer order delivery recipient campaign segment profile invoice product subscription contact account "
    "event message template report audience offer coupon payment shipment ticket lead opportunity store catalog "
    "inventory channel journey consent preference household loyalty voucher basket refund partner agent device"
).split()
VERBS = (
    "get load fetch sync build update create delete compute resolve parse format validate export import refresh "
    "merge publish schedule archive enrich purge count map filter normalize"
).split()
SERVICES = (
    "crm-bridge order-api loyalty notifications data-pipeline web-portal admin-ui reporting consent-hub "
    "catalog-sync mobile-bff payments identity search ingest pricing returns scheduler audit gateway"
).split()
CAMPAIGN_NS = ("cus", "acme", "acx", "mkt", "crm", "glb")
HOSTS = ("acme-mkt", "acme-mkt-stage", "globex-mc", "initech-prod", "umbrella-mkt", "hooli-camp", "stark-mkt-dev")
FIELDS = (
    "email firstName lastName birthDate postalCode country city phone status createdAt updatedAt lastLogin "
    "optIn segmentCode loyaltyTier score channel locale"
).split()
TABLES = (
    "NmsRecipient NmsDelivery NmsBroadLogRcp NmsTrackingLogRcp NmsSubscription CusOrder CusProduct CusStore "
    "CusLoyaltyCard CusConsent"
).split()
COMMENTS = (
    "Refresh the access token a minute before it expires so that the gateway never answers 401.",
    "The session lives in Redis; its time to live comes from SESSION_TTL.",
    "Never log the password field of the login form, not even at debug level.",
    "The login page redirects to SSO when the tenant has it enabled.",
    "Tokens are cached per client id; the cache is cleared on deploy.",
    "Retry with exponential back-off: the upstream API throttles at 50 requests per second.",
    "Keep this query paged: a select without lineCount stops at 10,000 rows.",
    "Password resets are handled by the identity service, not here.",
    "We only read the consent flags here; writes go through the consent hub.",
    "The IMS access token is fetched with the client credentials grant (OAuth server-to-server).",
    "Session cookies are HttpOnly and SameSite=Lax.",
    "TODO: move the batch size to an option once the nightly run is stable.",
    "This mirrors the schema of the data warehouse; keep column names in sync.",
    "The technical account authenticates with a Bearer token; the sessiontoken element stays empty.",
    "Login attempts are rate limited by the gateway, see the runbook.",
    "Dates are UTC everywhere; convert only for display.",
)
LOG_MESSAGES = (
    "starting",
    "done",
    "nothing to do",
    "skipped (disabled)",
    "retrying",
    "token refreshed",
    "session expired",
    "login succeeded",
    "password policy checked",
    "batch committed",
    "cache miss",
    "rate limited",
)
PW_WORDS = (
    "Falcon Harbor Orchid Quartz Nimbus Saffron Tundra Velvet Cobalt Juniper Marble Pepper Summit Willow Ember "
    "Glacier Lantern Meadow Onyx Prairie"
).split()
LOGINS = (
    "api_crm api_sync wf_export mc_exec svc_loyalty int_dwh api_portal batch_ops crm_connector etl_user "
    "api_mobile sftp_bridge"
).split()
PW_SYMBOLS = "!*?-_."
LANGS_I18N = ("en", "fr", "de", "es", "it", "nl", "ja")


def cap(s: str) -> str:
    """Upper-case the first letter."""
    return s[:1].upper() + s[1:]


# --------------------------------------------------------------------------- tiny templating
# Templates use «name» slots: the guillemets never occur in code, so braces, $ and % stay literal.

_SLOT = re.compile(r"«(\w+)»")


class Tpl:
    """A template pre-split into literal parts and slot names."""

    __slots__ = ("parts",)

    def __init__(self, text: str) -> None:
        self.parts = _SLOT.split(text)

    def render(self, r: random.Random, c: Dict[str, str]) -> str:
        """Fill the slots: a slot keeps one value within one rendering; «Name» is «name» capitalised."""
        parts = self.parts
        if len(parts) == 1:
            return parts[0]
        cache: Dict[str, str] = {}
        out = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(part)
            else:
                out.append(_value(part, r, c, cache))
        return "".join(out)


def _value(name: str, r: random.Random, c: Dict[str, str], cache: Dict[str, str]) -> str:
    if name in cache:
        return cache[name]
    if name in c:
        v = c[name]
    elif name[0].isupper() and (name[0].lower() + name[1:]) in _GEN:
        v = cap(_value(name[0].lower() + name[1:], r, c, cache))
    else:
        gen = _GEN.get(name.rstrip("0123456789"))
        if gen is None:
            raise KeyError(f"unknown template slot {name!r}")
        v = gen(r)
    cache[name] = v
    return v


_GEN: Dict[str, Callable[[random.Random], str]] = {
    "noun": lambda r: r.choice(NOUNS),
    "verb": lambda r: r.choice(VERBS),
    "fname": lambda r: r.choice(VERBS) + cap(r.choice(NOUNS)) + r.choice(("", "", "s", "Batch", "ById", "Async")),
    "field": lambda r: r.choice(FIELDS),
    "table": lambda r: r.choice(TABLES),
    "n": lambda r: str(r.randint(2, 5000)),
    "ms": lambda r: str(r.choice((500, 1000, 2000, 5000, 10000, 30000))),
    "hex": lambda r: "%08x" % r.getrandbits(32),
    "comment": lambda r: r.choice(COMMENTS),
    "msg": lambda r: r.choice(LOG_MESSAGES),
    "svc": lambda r: r.choice(SERVICES),
    "host": lambda r: r.choice(HOSTS),
    "lang": lambda r: r.choice(LANGS_I18N),
}


def T(text: str) -> Tpl:
    """Shorthand constructor."""
    return Tpl(text)


# --------------------------------------------------------------------------- clean blocks, per language

CAMPAIGN_JS = [
    T("""
/**
 * «Verb»s the «noun» records changed since the last run.
 * «comment»
 */
function «ns»_«fname»(since) {
  var query = xtk.queryDef.create(
    <queryDef schema="nms:recipient" operation="select" lineCount="«n»">
      <select>
        <node expr="@id"/>
        <node expr="@email"/>
        <node expr="[«noun»/@label]"/>
      </select>
      <where>
        <condition expr={"@lastModified >= #" + formatDate(since, "%4Y-%2M-%2D") + "#"}/>
        <condition expr="@blackList = 0" bool-operator="AND"/>
      </where>
    </queryDef>);
  var res = query.ExecuteQuery();
  var count = 0;
  for each (var r in res.recipient) {
    count++;
    logInfo("«fname»: " + r.@id + " " + r.@email);
  }
  return count;
}
"""),
    T("""
function «ns»_«fname»(folderId) {
  // «comment»
  var total = sqlGetInt("SELECT COUNT(*) FROM «table» WHERE iFolderId = $(l) AND iDeleteStatus = 0", folderId);
  if (total > «n») {
    logWarning("«fname»: folder " + folderId + " holds " + total + " rows");
  }
  sqlExec("UPDATE «table» SET tsLastModified = GetDate() WHERE iFolderId = $(l)", folderId);
  return total;
}
"""),
    T("""
function «ns»_«fname»() {
  // the workflow engine has already authenticated the operator session
  var operator = application.operator;
  var login = operator.login;
  if (!operator.hasRight("admin")) {
    logWarning("operator " + login + " lacks the admin right; «msg»");
  }
  var tokenTtl = parseInt(getOption("«ns»TokenTtl") || "3600", 10);
  vars.«noun»Count = tokenTtl > 0 ? «n» : 0;
  return vars.«noun»Count;
}
"""),
    T("""
/* «comment» */
function «ns»_call«Noun»Service(payload) {
  var accessToken = «ns»_getImsAccessToken();
  var req = new HttpClientRequest("https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp");
  req.method = "POST";
  req.header["Content-Type"] = "text/xml; charset=utf-8";
  req.header["SOAPAction"] = "xtk:queryDef#ExecuteQuery";
  req.header["Authorization"] = "Bearer " + accessToken;
  req.body = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:xtk:queryDef">'
    + '<soapenv:Header/><soapenv:Body><urn:ExecuteQuery><urn:sessiontoken/>'
    + '<urn:entity>' + payload.toXMLString() + '</urn:entity>'
    + '</urn:ExecuteQuery></soapenv:Body></soapenv:Envelope>';
  req.execute();
  var resp = req.response;
  if (resp.code != 200) {
    throw new Error("call«Noun»Service: HTTP " + resp.code);
  }
  return new XML(resp.body.toString().replace(/<\\?xml[^>]*\\?>/, ""));
}
"""),
    T("""
function «ns»_getImsAccessToken() {
  // OAuth server-to-server: the client secret is an encrypted option, never a literal
  var req = new HttpClientRequest("https://ims-na1.adobelogin.com/ims/token/v3");
  req.method = "POST";
  req.header["Content-Type"] = "application/x-www-form-urlencoded";
  var clientSecret = decryptString(getOption("«ns»ImsClientSecret"));
  req.body = "grant_type=client_credentials&client_id=" + encodeURIComponent(getOption("«ns»ImsClientId"))
    + "&client_secret=" + encodeURIComponent(clientSecret)
    + "&scope=openid,AdobeID,campaign_sdk,additional_info.projectedProductContext";
  req.execute();
  var token = JSON.parse(req.response.body.toString());
  return token.access_token;
}
"""),
    T("""
/* Splits a delimited list of «noun» codes, trims and de-duplicates them. */
function «ns»_«fname»(text, sep) {
  var seen = {}, out = [];
  var parts = String(text || "").split(sep || ",");
  for (var i = 0; i < parts.length; i++) {
    var code = parts[i].replace(/^\\s+|\\s+$/g, "");
    if (code && !seen[code]) {
      seen[code] = true;
      out.push(code.toUpperCase());
    }
  }
  return out;
}
"""),
    T("""
function «ns»_send«Noun»PasswordReset(recipientId) {
  // the portal owns password resets; Campaign only renders the message with the reset link
  var link = getOption("«ns»PortalUrl") + "/account/password/reset?rid=" + recipientId;
  var delivery = NLWS.nmsDelivery.load(getOption("«ns»PasswordResetTemplate"));
  delivery.content.html.source = delivery.content.html.source.replace("%%RESET_LINK%%", link);
  delivery.save();
  logInfo("password reset message prepared for recipient " + recipientId);
}
"""),
    T("""
function «ns»_«fname»(wkf) {
  var xml = <«noun» id={wkf.id} label={wkf.label} created={formatDate(new Date(), "%4Y-%2M-%2D %2H:%2N")}/>;
  for (var k in vars) {
    if (k.indexOf("«noun»") == 0) {
      xml.appendChild(<var name={k} value={String(vars[k])}/>);
    }
  }
  instance.vars.«noun»Snapshot = xml.toXMLString();
  task.setCompleted();
}
"""),
    T("""
// «comment»
var «ns»«Noun»Cache = {};
function «ns»_cached«Noun»(id) {
  if («ns»«Noun»Cache[id] === undefined) {
    var row = sqlSelect("«noun»@id,@label", "SELECT iId, sLabel FROM «table» WHERE iId = $(l)", id);
    «ns»«Noun»Cache[id] = row ? String(row.«noun».@label) : null;
  }
  return «ns»«Noun»Cache[id];
}
"""),
]

NODE_JS = [
    T("""
/**
 * «Verb» a «noun» and record who did it.
 * «comment»
 */
router.post('/«noun»s/:id/«verb»', requireAuth, async (req, res, next) => {
  try {
    const user = req.session.user;
    if (!user) return res.status(401).json({ error: 'login required' });
    const item = await «noun»Repository.findById(req.params.id);
    if (!item) return res.status(404).end();
    await «noun»Service.«fname»(item, { actor: user.id, timeout: «ms» });
    res.json({ ok: true, id: item.id });
  } catch (err) {
    next(err);
  }
});
"""),
    T("""
async function verify«Noun»Password(user, password) {
  if (!user || !user.passwordHash) return false;
  const ok = await bcrypt.compare(password, user.passwordHash);
  metrics.increment(ok ? 'login.success' : 'login.failure', { tenant: user.tenant });
  return ok;
}
"""),
    T("""
// «comment»
async function getCampaignClient() {
  const tokenResponse = await fetch('https://ims-na1.adobelogin.com/ims/token/v3', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: process.env.IMS_CLIENT_ID,
      client_secret: process.env.IMS_CLIENT_SECRET,
      scope: 'openid,AdobeID,campaign_sdk,additional_info.projectedProductContext',
    }),
  });
  const { access_token: accessToken } = await tokenResponse.json();
  const connectionParameters = sdk.ConnectionParameters.ofImsBearerToken(process.env.ACC_ENDPOINT, accessToken);
  const client = await sdk.init(connectionParameters);
  await client.logon();
  return client;
}
"""),
    T("""
async function «fname»(ids, { batchSize = «n» } = {}) {
  const out = [];
  for (let i = 0; i < ids.length; i += batchSize) {
    const chunk = ids.slice(i, i + batchSize);
    const { rows } = await pool.query(
      'SELECT id, «field», updated_at FROM «noun»s WHERE id = ANY($1) AND deleted_at IS NULL',
      [chunk],
    );
    out.push(...rows.map((r) => ({ id: r.id, «field»: r.«field», updatedAt: r.updated_at })));
  }
  logger.debug('«fname»: %d rows', out.length);
  return out;
}
"""),
    T("""
const «noun»Api = axios.create({
  baseURL: process.env.«NOUN»_API_URL || 'https://api.example.com/v2',
  timeout: «ms»,
});
«noun»Api.interceptors.request.use(async (config) => {
  const token = await tokenCache.get('«noun»-api');
  config.headers.Authorization = `Bearer ${token}`;
  return config;
});
"""),
    T("""
module.exports.«noun»Db = {
  host: process.env.DB_HOST || 'localhost',
  port: Number(process.env.DB_PORT || 5432),
  user: process.env.DB_USER,
  password: process.env.DB_PASSWORD,
  database: '«noun»s',
  ssl: process.env.NODE_ENV === 'production',
  max: «n»,
};
"""),
    T("""
function «fname»(input) {
  // «comment»
  return Object.entries(input || {})
    .filter(([, v]) => v !== undefined && v !== null)
    .reduce((acc, [k, v]) => {
      acc[k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)] = typeof v === 'string' ? v.trim() : v;
      return acc;
    }, {});
}
"""),
    T("""
app.use(session({
  name: 'sid',
  secret: process.env.SESSION_SECRET,
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, sameSite: 'lax', secure: true, maxAge: «n» * 1000 },
  store: new RedisStore({ client: redis, prefix: 'sess:«noun»:' }),
}));
"""),
    T("""
async function sendToCampaign(eventXml) {
  const token = await imsToken();
  const res = await fetch(`${process.env.ACC_ENDPOINT}/nl/jsp/soaprouter.jsp`, {
    method: 'POST',
    headers: {
      'Content-Type': 'text/xml; charset=utf-8',
      SOAPAction: 'nms:rtEvent#PushEvent',
      Authorization: `Bearer ${token}`,
    },
    body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:nms:rtEvent">
  <soapenv:Body><urn:PushEvent><urn:sessiontoken></urn:sessiontoken><urn:domEvent>${eventXml}</urn:domEvent></urn:PushEvent></soapenv:Body>
</soapenv:Envelope>`,
  });
  if (!res.ok) throw new Error(`PushEvent failed: ${res.status}`);
  return res.text();
}
"""),
]
NODE_JS_HEADER = T("""\'use strict\';

const axios = require('axios');
const express = require('express');
const bcrypt = require('bcryptjs');
const { Pool } = require('pg');
const logger = require('../lib/logger')('«svc»');

const router = express.Router();
const pool = new Pool();
""")
NODE_JS_FOOTER = T("""
module.exports = { router };
""")

JAVA = [
    T("""
    /**
     * «Verb»s the «noun» with the given id.
     * «comment»
     */
    public Optional<«Noun»> «fname»(long id) {
        try (Connection cnx = dataSource.getConnection();
             PreparedStatement ps = cnx.prepareStatement(
                 "SELECT id, «field», updated_at FROM «noun» WHERE id = ? AND deleted = 0")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new «Noun»(rs.getLong("id"), rs.getString("«field»")));
            }
        } catch (SQLException e) {
            LOG.warn("«fname» failed for {}: {}", id, e.getMessage());
            throw new DataAccessException(e);
        }
    }
"""),
    T("""
    private static final String FIND_BY_LOGIN =
        "SELECT id, login, password_hash, last_login FROM app_user WHERE login = ? AND active = 1";

    public boolean checkPassword(String login, char[] password) {
        AppUser user = jdbc.queryForObject(FIND_BY_LOGIN, this::mapUser, login);
        boolean ok = user != null && passwordEncoder.matches(new String(password), user.getPasswordHash());
        Arrays.fill(password, '\\0');
        return ok;
    }
"""),
    T("""
    public String «fname»(String queryXml) throws IOException {
        // «comment»
        HttpPost post = new HttpPost(campaignUrl + "/nl/jsp/soaprouter.jsp");
        post.setHeader("SOAPAction", "xtk:queryDef#ExecuteQuery");
        post.addHeader("Authorization", "Bearer " + tokenProvider.getAccessToken());
        post.setEntity(new StringEntity(
            "<soapenv:Envelope xmlns:soapenv=\\"http://schemas.xmlsoap.org/soap/envelope/\\" xmlns:urn=\\"urn:xtk:queryDef\\">"
            + "<soapenv:Body><urn:ExecuteQuery><urn:sessiontoken/><urn:entity>" + queryXml
            + "</urn:entity></urn:ExecuteQuery></soapenv:Body></soapenv:Envelope>",
            ContentType.TEXT_XML));
        try (CloseableHttpResponse response = http.execute(post)) {
            return EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
        }
    }
"""),
    T("""
    @Override
    protected void configure(HttpSecurity http) throws Exception {
        http.authorizeRequests()
            .antMatchers("/login", "/password/reset/**", "/actuator/health").permitAll()
            .anyRequest().authenticated()
            .and().formLogin().loginPage("/login").permitAll()
            .and().sessionManagement().maximumSessions(«n»);
    }
"""),
    T("""
    public List<«Noun»> «fname»(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Collections.emptyList();
        }
        return ids.stream()
            .map(this::load«Noun»)
            .filter(Objects::nonNull)
            .sorted(Comparator.comparing(«Noun»::getUpdatedAt).reversed())
            .limit(«n»)
            .collect(Collectors.toList());
    }
"""),
    T("""
    private String fetchImsToken() throws IOException {
        HttpPost post = new HttpPost("https://ims-na1.adobelogin.com/ims/token/v3");
        List<NameValuePair> form = new ArrayList<>();
        form.add(new BasicNameValuePair("grant_type", "client_credentials"));
        form.add(new BasicNameValuePair("client_id", System.getenv("IMS_CLIENT_ID")));
        form.add(new BasicNameValuePair("client_secret", System.getenv("IMS_CLIENT_SECRET")));
        form.add(new BasicNameValuePair("scope", "openid,AdobeID,campaign_sdk"));
        post.setEntity(new UrlEncodedFormEntity(form, StandardCharsets.UTF_8));
        try (CloseableHttpResponse response = http.execute(post)) {
            return mapper.readTree(response.getEntity().getContent()).get("access_token").asText();
        }
    }
"""),
]
# A SAP connector file must hold no Campaign context: its logon( is another product's.
JAVA_NO_CAMPAIGN = [t for t in JAVA if not re.search(r"soaprouter|ims/token|campaign|xtk:", "".join(t.parts))]
JAVA_SAP = T("""
    /** Opens the SAP session used to read «noun» master data (JCo). «comment» */
    public void «fname»() throws JCoException {
        Properties props = new Properties();
        props.setProperty(DestinationDataProvider.JCO_ASHOST, System.getenv("SAP_HOST"));
        props.setProperty(DestinationDataProvider.JCO_USER, System.getenv("SAP_USER"));
        props.setProperty(DestinationDataProvider.JCO_PASSWD, System.getenv("SAP_PASSWORD"));
        sapSession.logon(props.getProperty("client"), props.getProperty(DestinationDataProvider.JCO_USER),
            props.getProperty(DestinationDataProvider.JCO_PASSWD));
        LOG.info("SAP logon done for «noun» sync");
    }
""")

CSHARP = [
    T("""
        /// <summary>«Verb»s the «noun» with the given id. «comment»</summary>
        public async Task<«Noun»?> «Fname»Async(long id, CancellationToken ct = default)
        {
            var entity = await _db.«Noun»s
                .AsNoTracking()
                .Where(x => x.Id == id && !x.Deleted)
                .FirstOrDefaultAsync(ct);
            if (entity == null)
            {
                _logger.LogWarning("«Fname»: {Id} not found", id);
            }
            return entity;
        }
"""),
    T("""
        public async Task<string> ExecuteQueryAsync(string queryXml, CancellationToken ct = default)
        {
            var token = await _tokenProvider.GetAccessTokenAsync(ct);
            using var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint + "/nl/jsp/soaprouter.jsp");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("SOAPAction", "xtk:queryDef#ExecuteQuery");
            request.Content = new StringContent(
                "<soapenv:Envelope xmlns:soapenv=\\"http://schemas.xmlsoap.org/soap/envelope/\\" xmlns:urn=\\"urn:xtk:queryDef\\">" +
                "<soapenv:Body><urn:ExecuteQuery><urn:sessiontoken/><urn:entity>" + queryXml +
                "</urn:entity></urn:ExecuteQuery></soapenv:Body></soapenv:Envelope>",
                Encoding.UTF8, "text/xml");
            using var response = await _http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsStringAsync(ct);
        }
"""),
    T("""
        public bool VerifyPassword(AppUser user, string password)
        {
            // «comment»
            var result = _hasher.VerifyHashedPassword(user, user.PasswordHash, password);
            if (result == PasswordVerificationResult.Failed)
            {
                _metrics.LoginFailures.Add(1);
                return false;
            }
            user.LastLogin = DateTime.UtcNow;
            return true;
        }
"""),
    T("""
        public IReadOnlyList<«Noun»Dto> «Fname»(IEnumerable<«Noun»> items)
        {
            return items
                .Where(i => i.«Field» != null)
                .OrderByDescending(i => i.UpdatedAt)
                .Take(«n»)
                .Select(i => new «Noun»Dto(i.Id, i.«Field», i.UpdatedAt))
                .ToList();
        }
"""),
    T("""
        private async Task<string> FetchImsTokenAsync(CancellationToken ct)
        {
            var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = _configuration["Ims:ClientId"],
                ["client_secret"] = _configuration["Ims:ClientSecret"],
                ["scope"] = "openid,AdobeID,campaign_sdk",
            });
            using var response = await _http.PostAsync("https://ims-na1.adobelogin.com/ims/token/v3", form, ct);
            var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            return doc.RootElement.GetProperty("access_token").GetString()!;
        }
"""),
    T("""
        public string SessionKey(HttpContext context)
        {
            // the session id is opaque; the login comes from the authenticated principal
            var login = context.User.Identity?.Name ?? "anonymous";
            return $"{login}:{context.Session.Id}:«hex»";
        }
"""),
]

PYTHON = [
    T('''

def «fname»(session, since, limit=«n»):
    """«Verb» the «noun» rows modified since ``since``.

    «comment»
    """
    rows = session.execute(
        text("SELECT id, «field», updated_at FROM «noun» WHERE updated_at >= :since ORDER BY id LIMIT :limit"),
        {"since": since, "limit": limit},
    ).fetchall()
    log.debug("«fname»: %d rows", len(rows))
    return [dict(row._mapping) for row in rows]
'''),
    T('''

def get_ims_token(timeout=«ms»):
    """Client-credentials token for the Campaign technical account (secret from the environment)."""
    resp = requests.post(
        "https://ims-na1.adobelogin.com/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["IMS_CLIENT_ID"],
            "client_secret": os.environ["IMS_CLIENT_SECRET"],
            "scope": "openid,AdobeID,campaign_sdk,additional_info.projectedProductContext",
        },
        timeout=timeout / 1000,
    )
    resp.raise_for_status()
    return resp.json()["access_token"]
'''),
    T('''

def execute_query(query_xml, token=None):
    """Run an xtk:queryDef on Campaign with a Bearer token; the sessiontoken element stays empty."""
    token = token or get_ims_token()
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:xtk:queryDef">'
        "<soapenv:Body><urn:ExecuteQuery><urn:sessiontoken/><urn:entity>" + query_xml + "</urn:entity>"
        "</urn:ExecuteQuery></soapenv:Body></soapenv:Envelope>"
    )
    resp = requests.post(
        os.environ["ACC_ENDPOINT"] + "/nl/jsp/soaprouter.jsp",
        data=body.encode("utf-8"),
        headers={"Authorization": "Bearer " + token, "SOAPAction": "xtk:queryDef#ExecuteQuery"},
        timeout=60,
    )
    resp.raise_for_status()
    return resp.text
'''),
    T('''

class «Noun»LoginView(View):
    """Form login for the «noun» back-office. «comment»"""

    template_name = "«noun»/login.html"

    def post(self, request):
        form = LoginForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        user = authenticate(request, username=form.cleaned_data["login"], password=form.cleaned_data["password"])
        if user is None:
            messages.error(request, "Invalid login or password.")
            return redirect("login")
        login(request, user)
        request.session.set_expiry(«n»)
        return redirect("home")
'''),
    T("""

def «fname»(items, key="«field»"):
    # «comment»
    seen = set()
    out = []
    for item in items:
        value = (item.get(key) or "").strip().lower()
        if not value or value in seen:
            continue
        seen.add(value)
        out.append({**item, key: value})
    return sorted(out, key=lambda i: i.get("updated_at") or "")
"""),
    T("""

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "«noun»s"),
        "USER": os.environ.get("DB_USER", "app"),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "HOST": os.environ.get("DB_HOST", "localhost"),
        "CONN_MAX_AGE": «n»,
    }
}
SESSION_COOKIE_AGE = «n»
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
"""),
]
PYTHON_HEADER = T('''"""«Noun» helpers for the «svc» service."""

from __future__ import annotations

import logging
import os

import requests
from sqlalchemy import text

log = logging.getLogger(__name__)
''')

PHP = [
    T("""
    /**
     * «Verb»s the «noun» with the given id. «comment»
     */
    public function «fname»(int $id): ?array
    {
        $stmt = $this->pdo->prepare('SELECT id, «field», updated_at FROM «noun» WHERE id = :id AND deleted = 0');
        $stmt->execute(['id' => $id]);
        $row = $stmt->fetch(PDO::FETCH_ASSOC);
        if ($row === false) {
            $this->logger->warning('«fname»: not found', ['id' => $id]);
            return null;
        }
        return $row;
    }
"""),
    T("""
    public function login(string $login, string $password): bool
    {
        $user = $this->users->findByLogin($login);
        if ($user === null || !password_verify($password, $user['password_hash'])) {
            $this->logger->notice('login failed', ['login' => $login]);
            return false;
        }
        session_regenerate_id(true);
        $_SESSION['user_id'] = $user['id'];
        return true;
    }
"""),
    T("""
    public function executeQuery(string $queryXml): string
    {
        // «comment»
        $response = $this->http->request('POST', $this->endpoint . '/nl/jsp/soaprouter.jsp', [
            'headers' => [
                'Authorization' => 'Bearer ' . $this->tokens->accessToken(),
                'SOAPAction' => 'xtk:queryDef#ExecuteQuery',
                'Content-Type' => 'text/xml; charset=utf-8',
            ],
            'body' => '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:xtk:queryDef">'
                . '<soapenv:Body><urn:ExecuteQuery><urn:sessiontoken/><urn:entity>' . $queryXml
                . '</urn:entity></urn:ExecuteQuery></soapenv:Body></soapenv:Envelope>',
        ]);
        return (string) $response->getBody();
    }
"""),
    T("""
    public function «fname»(array $items): array
    {
        $out = [];
        foreach ($items as $item) {
            if (empty($item['«field»'])) {
                continue;
            }
            $out[] = ['id' => (int) $item['id'], '«field»' => trim($item['«field»'])];
        }
        usort($out, fn ($a, $b) => $a['id'] <=> $b['id']);
        return array_slice($out, 0, «n»);
    }
"""),
    T("""
    private function fetchImsToken(): string
    {
        $response = $this->http->request('POST', 'https://ims-na1.adobelogin.com/ims/token/v3', [
            'form_params' => [
                'grant_type' => 'client_credentials',
                'client_id' => getenv('IMS_CLIENT_ID'),
                'client_secret' => getenv('IMS_CLIENT_SECRET'),
                'scope' => 'openid,AdobeID,campaign_sdk',
            ],
        ]);
        return json_decode((string) $response->getBody(), true)['access_token'];
    }
"""),
]

SHELL = [
    T("""
# «comment»
«fname»() {
  local env="$1"
  log "«fname»: deploying «svc» to ${env}"
  kubectl --context "${env}" -n «svc» rollout restart deployment/«svc»
  kubectl --context "${env}" -n «svc» rollout status deployment/«svc» --timeout=«n»s
}
"""),
    T("""
get_ims_token() {
  curl -sf -X POST "https://ims-na1.adobelogin.com/ims/token/v3" \\
    -d grant_type=client_credentials \\
    -d client_id="${IMS_CLIENT_ID}" \\
    -d client_secret="${IMS_CLIENT_SECRET}" \\
    -d scope="openid,AdobeID,campaign_sdk,additional_info.projectedProductContext" | jq -r .access_token
}
"""),
    T("""
push_event() {
  local token
  token="$(get_ims_token)"
  curl -sf -X POST "${ACC_ENDPOINT}/nl/jsp/soaprouter.jsp" \\
    -H "SOAPAction: nms:rtEvent#PushEvent" \\
    -H "Authorization: Bearer ${token}" \\
    -H "Content-Type: text/xml; charset=utf-8" \\
    --data @"$1"
}
"""),
    T("""
backup_db() {
  # the password comes from the vault agent, never from this script
  PGPASSWORD="$(cat /run/secrets/db_password)" pg_dump -h "${DB_HOST}" -U "${DB_USER}" -Fc «noun»s \\
    > "/backups/«noun»s-$(date +%Y%m%d).dump"
  find /backups -name '«noun»s-*.dump' -mtime +«n» -delete
}
"""),
    T("""
for f in "${SRC_DIR}"/*.csv; do
  [ -e "$f" ] || continue
  lines=$(wc -l < "$f")
  if [ "$lines" -gt «n» ]; then
    echo "splitting $f ($lines lines)"
    split -l «n» "$f" "${f%.csv}.part-"
  fi
done
"""),
]
SHELL_HEADER = T("""#!/usr/bin/env bash
# «Verb» «noun» data for the «svc» service.
set -euo pipefail

log() { printf '%s %s\\n' "$(date -u +%FT%TZ)" "$*" >&2; }
""")

YAML_DOCS = [
    T("""apiVersion: apps/v1
kind: Deployment
metadata:
  name: «svc»
  labels:
    app: «svc»
spec:
  replicas: 3
  selector:
    matchLabels:
      app: «svc»
  template:
    metadata:
      labels:
        app: «svc»
    spec:
      containers:
        - name: «svc»
          image: registry.example.com/«svc»:1.«n».0
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: «svc»-db
                  key: password
            - name: IMS_CLIENT_SECRET
              valueFrom:
                secretKeyRef:
                  name: «svc»-ims
                  key: client_secret
            - name: SESSION_TTL
              value: "«n»"
          resources:
            limits:
              memory: 512Mi
---
"""),
    T("""name: «svc» CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      - run: npm test -- --runInBand
        env:
          IMS_CLIENT_ID: ${{ secrets.IMS_CLIENT_ID }}
          IMS_CLIENT_SECRET: ${{ secrets.IMS_CLIENT_SECRET }}
          DB_PASSWORD: ${{ secrets.DB_PASSWORD }}
"""),
    T("""services:
  «svc»:
    build: .
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
      SESSION_SECRET: ${SESSION_SECRET}
      ACC_ENDPOINT: https://«host».campaign.adobe.com
    ports:
      - "«n»:8080"
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
"""),
    T("""  /auth/login:
    post:
      summary: Log a «noun» user in
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                login: { type: string }
                password: { type: string, format: password }
      responses:
        "200":
          description: a session token
        "401":
          description: wrong login or password
      security: []
"""),
]

MARKDOWN = [
    T("""
## «Verb» «noun»s

«comment» The job runs every «n» minutes and reads the «field» column.

| Setting | Default | Meaning |
| --- | --- | --- |
| `«noun».batchSize` | «n» | rows per call |
| `«noun».timeoutMs` | «ms» | HTTP timeout |
| `SESSION_TTL` | 3600 | session lifetime in seconds |
"""),
    T("""
### Authentication

The service calls Campaign as an Adobe IMS technical account (OAuth server-to-server). It requests a token from
`https://ims-na1.adobelogin.com/ims/token/v3` with the client id and secret from the environment, then sends
`Authorization: Bearer <token>` and leaves `<sessiontoken/>` empty:

```sh
curl -s -X POST "$ACC_ENDPOINT/nl/jsp/soaprouter.jsp" -H "Authorization: Bearer $TOKEN" \\
  -H "SOAPAction: xtk:queryDef#ExecuteQuery" --data @query.xml
```

Never commit the client secret; rotate it in the Developer Console if it leaks.
"""),
    T("""
### Troubleshooting

- *401 Unauthorized*: the token expired; the client refreshes it «n» seconds before expiry.
- *Login page loops*: clear the session cookie `sid`.
- «comment»
"""),
    T("""
### Legacy logon (removed)

Before the IMS migration the integration called `xtk:session#Logon` with a body such as
`<urn:strLogin>LOGIN_HERE</urn:strLogin><urn:strPassword>PASSWORD_HERE</urn:strPassword>`. That code is gone;
see the Authentication section.
"""),
]

SQL = [
    T("""
-- «comment»
CREATE TABLE IF NOT EXISTS «noun»_«field» (
    id            BIGSERIAL PRIMARY KEY,
    «noun»_id      BIGINT NOT NULL REFERENCES «noun»(id),
    «field»        VARCHAR(255),
    login         VARCHAR(64),
    password_hash VARCHAR(255),
    last_login    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_«noun»_«field»_«hex» ON «noun»_«field» («noun»_id, created_at);
"""),
    T("""
INSERT INTO «noun»_audit (actor, action, detail, created_at)
SELECT u.login, '«verb»', 'session ' || s.id || ' closed', now()
FROM app_session s JOIN app_user u ON u.id = s.user_id
WHERE s.expires_at < now() - interval '«n» minutes';
"""),
    T("""
UPDATE «table» SET sEmail = lower(trim(sEmail)) WHERE sEmail <> lower(trim(sEmail)) AND iFolderId = «n»;
"""),
]

PROPERTIES_LINES = [
    T("spring.datasource.url=jdbc:postgresql://${DB_HOST:localhost}:5432/«noun»s\n"),
    T("spring.datasource.username=${DB_USER}\nspring.datasource.password=${DB_PASSWORD}\n"),
    T("server.servlet.session.timeout=«n»s\nserver.servlet.session.cookie.http-only=true\n"),
    T("app.login.redirect=/«noun»s\napp.password.min-length=12\n"),
    T(
        "campaign.endpoint=https://«host».campaign.adobe.com\ncampaign.ims.client-id=${IMS_CLIENT_ID}\ncampaign.ims.client-secret=${IMS_CLIENT_SECRET}\n"
    ),
    T("# «comment»\n«noun».batch-size=«n»\n«noun».timeout-ms=«ms»\n"),
    T("logging.level.com.acme.«noun»=INFO\nmanagement.endpoints.web.exposure.include=health,info\n"),
]

ENV_LINES = [
    T("NODE_ENV=production\nLOG_LEVEL=info\n"),
    T("DB_HOST=db.internal\nDB_USER=«noun»_app\nDB_PASSWORD=\n"),
    T("IMS_TOKEN_URL=https://ims-na1.adobelogin.com/ims/token/v3\nIMS_CLIENT_ID=«hex»«hex»\nIMS_CLIENT_SECRET=\n"),
    T("ACC_ENDPOINT=https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp\n"),
    T("SESSION_TTL=«n»\nSESSION_SECRET=\n"),
    T("# «comment»\n«NOUN»_API_URL=https://api.example.com/v2/«noun»s\n"),
]

SOAP_DOCS = [
    T("""<?xml version="1.0" encoding="utf-8"?>
<!-- «comment» -->
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:xtk:queryDef">
  <soapenv:Header/>
  <soapenv:Body>
    <urn:ExecuteQuery>
      <urn:sessiontoken/>
      <urn:entity>
        <queryDef schema="nms:recipient" operation="select" lineCount="«n»">
          <select>
            <node expr="@id"/>
            <node expr="@email"/>
            <node expr="@«field»"/>
          </select>
          <where>
            <condition expr="@lastModified &gt; #2024-01-01#"/>
          </where>
        </queryDef>
      </urn:entity>
    </urn:ExecuteQuery>
  </soapenv:Body>
</soapenv:Envelope>
"""),
    T("""<?xml version="1.0" encoding="utf-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:nms:rtEvent">
  <soapenv:Header/>
  <soapenv:Body>
    <urn:PushEvent>
      <urn:sessiontoken></urn:sessiontoken>
      <urn:domEvent>
        <rtEvent type="«noun»_«verb»" email="user«n»@example.com" origin="«svc»" wishedChannel="0">
          <ctx><«noun» id="«n»" label="«Noun» «n»"/></ctx>
        </rtEvent>
      </urn:domEvent>
    </urn:PushEvent>
  </soapenv:Body>
</soapenv:Envelope>
"""),
]


# --------------------------------------------------------------------------- planted credentials


def _pw(r: random.Random, k: int) -> str:
    return f"{r.choice(PW_WORDS)}{r.randint(10, 99)}{r.choice(PW_SYMBOLS)}{r.choice(PW_WORDS)}{k}"


def _login(r: random.Random, k: int) -> str:
    return f"{r.choice(LOGINS)}{k % 97}"


# kind -> {category: template}. The «pw» (or «uuid», or the marker text) is the needle: it names the primary line.
PLANTS: Dict[str, Dict[str, Tpl]] = {
    "soap-logon-body": {
        "shell": T("""
# one-off export for the «noun» reconciliation
curl -s -X POST "https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp" \\
  -H "SOAPAction: xtk:session#Logon" -H "Content-Type: text/xml; charset=utf-8" \\
  --data '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:xtk:session"><soapenv:Body><urn:Logon><urn:sessiontoken/><urn:strLogin>«login»</urn:strLogin><urn:strPassword>«pw»</urn:strPassword><urn:elemParameters/></urn:Logon></soapenv:Body></soapenv:Envelope>'
"""),
        "java": T("""
    // posted with SOAPAction xtk:session#Logon to https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp
    private static final String LOGON_BODY =
        "<soapenv:Envelope xmlns:soapenv=\\"http://schemas.xmlsoap.org/soap/envelope/\\" xmlns:urn=\\"urn:xtk:session\\">"
        + "<soapenv:Body><urn:Logon><urn:sessiontoken/>"
        + "<urn:strLogin>«login»</urn:strLogin>"
        + "<urn:strPassword>«pw»</urn:strPassword>"
        + "<urn:elemParameters/></urn:Logon></soapenv:Body></soapenv:Envelope>";
"""),
        "php": T("""
    private const LOGON_ACTION = 'xtk:session#Logon';
    private const LOGON_ENVELOPE = <<<XML
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:xtk:session">
  <soapenv:Body>
    <urn:Logon>
      <urn:sessiontoken/>
      <urn:strLogin>«login»</urn:strLogin>
      <urn:strPassword>«pw»</urn:strPassword>
      <urn:elemParameters/>
    </urn:Logon>
  </soapenv:Body>
</soapenv:Envelope>
XML;
"""),
        "soap_xml": T("""<?xml version="1.0" encoding="utf-8"?>
<!-- SOAPAction: xtk:session#Logon, POST https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp -->
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:xtk:session">
  <soapenv:Header/>
  <soapenv:Body>
    <urn:Logon>
      <urn:sessiontoken/>
      <urn:strLogin>«login»</urn:strLogin>
      <urn:strPassword>«pw»</urn:strPassword>
      <urn:elemParameters/>
    </urn:Logon>
  </soapenv:Body>
</soapenv:Envelope>
"""),
        "postman": None,  # built as JSON (see _postman)
    },
    "svc-logon": {
        "campaign_js": T("""
function «ns»_connect«Noun»Instance() {
  var cnx = new HttpSoapConnection("https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp", "utf-8", 0);
  var svc = new SoapService(cnx, "urn:xtk:session");
  svc.addMethod("Logon", "xtk:session#Logon",
    ["sessiontoken", "string", "login", "string", "password", "string", "parameters", "NLElement"],
    ["sessionToken", "string", "sessionInfo", "NLElement", "securityToken", "string"]);
  var logonResult = svc.Logon("", "«login»", "«pw»", <params/>);
  cnx.addTokens(logonResult[0], logonResult[2]);
  return cnx;
}
"""),
    },
    "logon-with-user": {
        "campaign_js": T("""
function «ns»_«fname»AsTechnicalUser() {
  // run the «noun» purge with the integration account
  var ctx = logonWithUser("«login»", "«pw»");
  logInfo("purge running as " + ctx.operator.login);
  return ctx;
}
"""),
    },
    "logon-remote": {
        "campaign_js": T("""
function «ns»_«fname»OnExecutionInstance(url) {
  var remote = NL.ExecutionInstance.logonRemote(url, "«login»", "«pw»");
  logInfo("connected to execution instance " + url);
  return remote;
}
"""),
    },
    "of-user-and-password": {
        "node_js": T("""
async function «fname»Client() {
  const connectionParameters = sdk.ConnectionParameters.ofUserAndPassword(
    'https://«host».campaign.adobe.com', '«login»', '«pw»');
  const client = await sdk.init(connectionParameters);
  await client.logon();
  return client;
}
"""),
    },
    "zeep-logon": {
        "python": T("""

def «fname»_session():
    client = zeep.Client("https://«host».campaign.adobe.com/nl/jsp/schemawsdl.jsp?schema=xtk:session")
    result = client.service.Logon(sessiontoken="", strLogin="«login»", strPassword="«pw»", elemParameters=None)
    return result["pstrSessionToken"], result["pstrSecurityToken"]
"""),
    },
    "sessiontoken-user-password": {
        "soap_xml": T("""<?xml version="1.0" encoding="utf-8"?>
<!-- POST https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp, SOAPAction: nms:rtEvent#PushEvent -->
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:nms:rtEvent">
  <soapenv:Header/>
  <soapenv:Body>
    <urn:PushEvent>
      <urn:sessiontoken>«login»/«pw»</urn:sessiontoken>
      <urn:domEvent>
        <rtEvent type="«noun»_confirmation" email="user«n»@example.com" wishedChannel="0"/>
      </urn:domEvent>
    </urn:PushEvent>
  </soapenv:Body>
</soapenv:Envelope>
"""),
        "java": T("""
    public String build«Noun»Event(String eventXml) {
        // Message Center event, posted to https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp
        return "<soapenv:Envelope xmlns:soapenv=\\"http://schemas.xmlsoap.org/soap/envelope/\\" xmlns:urn=\\"urn:nms:rtEvent\\"><soapenv:Body>"
            + "<urn:PushEvent><urn:sessiontoken>«login»/«pw»</urn:sessiontoken>"
            + "<urn:domEvent>" + eventXml + "</urn:domEvent></urn:PushEvent></soapenv:Body></soapenv:Envelope>";
    }
"""),
        "csharp": T("""
        private static string Build«Noun»Event(string eventXml)
        {
            // Message Center event, posted to https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp
            return "<soapenv:Envelope xmlns:soapenv=\\"http://schemas.xmlsoap.org/soap/envelope/\\" xmlns:urn=\\"urn:nms:rtEvent\\"><soapenv:Body>" +
                "<urn:PushEvent><urn:sessiontoken>«login»/«pw»</urn:sessiontoken>" +
                "<urn:domEvent>" + eventXml + "</urn:domEvent></urn:PushEvent></soapenv:Body></soapenv:Envelope>";
        }
"""),
        "shell": T("""
curl -s -X POST "https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp" -H "SOAPAction: nms:rtEvent#PushEvent" \\
  --data '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:nms:rtEvent"><soapenv:Body><urn:PushEvent><urn:sessiontoken>«login»/«pw»</urn:sessiontoken><urn:domEvent><rtEvent type="«noun»" email="qa@example.com"/></urn:domEvent></urn:PushEvent></soapenv:Body></soapenv:Envelope>'
"""),
    },
    "sessiontoken-url": {
        "shell": T("""
# nightly extract (legacy)
curl -s "https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp?__sessiontoken=«login»/«pw»" \\
  -H "SOAPAction: xtk:queryDef#ExecuteQuery" -d @query.xml -o extract.xml
"""),
        "python": T("""

def «fname»_extract(query_xml):
    resp = requests.post(
        "https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp?__sessiontoken=«login»/«pw»",
        data=query_xml,
        headers={"SOAPAction": "xtk:queryDef#ExecuteQuery"},
    )
    return resp.text
"""),
    },
    "env-password": {
        "env": T("""ACC_ENDPOINT=https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp
ACC_USER=«login»
ACC_PASSWORD=«pw»
"""),
    },
    "session-token-literal": {
        "campaign_js": T("""
// session captured from the console for the «noun» replay test (https://«host».campaign.adobe.com)
var «ns»ReplaySessionToken = "«uuid»";
"""),
        "node_js": T("""
// session captured from https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp for the replay test
const REPLAY_SESSION_TOKEN = '«uuid»';
"""),
        "python": T("""

# session captured from https://«host».campaign.adobe.com/nl/jsp/soaprouter.jsp for the replay test
REPLAY_SESSION_TOKEN = "«uuid»"
"""),
        "shell": T("""
# session captured from the «host» console for the replay test
SESSION_TOKEN="«uuid»"
"""),
    },
    "jwt-exchange": {
        "node_js": T("""
async function «fname»JwtToken(privateKey) {
  const jwtToken = jwt.sign({
    exp: Math.round(Date.now() / 1000) + 300,
    iss: process.env.IMS_ORG_ID,
    sub: process.env.TECHNICAL_ACCOUNT_ID,
    aud: `https://ims-na1.adobelogin.com/c/${process.env.IMS_CLIENT_ID}`,
    'https://ims-na1.adobelogin.com/s/ent_campaign_sdk': true,
  }, privateKey, { algorithm: 'RS256' });
  const res = await axios.post('https://ims-na1.adobelogin.com/ims/exchange/jwt/', new URLSearchParams({
    client_id: process.env.IMS_CLIENT_ID,
    client_secret: process.env.IMS_CLIENT_SECRET,
    jwt_token: jwtToken,
  }));
  return res.data.access_token;
}
"""),
        "python": T("""

def «fname»_jwt_token(private_key):
    claims = {
        "exp": int(time.time()) + 300,
        "iss": os.environ["IMS_ORG_ID"],
        "sub": os.environ["TECHNICAL_ACCOUNT_ID"],
        "aud": "https://ims-na1.adobelogin.com/c/" + os.environ["IMS_CLIENT_ID"],
        "https://ims-na1.adobelogin.com/s/ent_campaign_sdk": True,
    }
    token = jwt.encode(claims, private_key, algorithm="RS256")
    resp = requests.post("https://ims-na1.adobelogin.com/ims/exchange/jwt/", data={
        "client_id": os.environ["IMS_CLIENT_ID"],
        "client_secret": os.environ["IMS_CLIENT_SECRET"],
        "jwt_token": token,
    })
    return resp.json()["access_token"]
"""),
    },
    "allow-user-password": {
        "serverconf": None,  # built inside the serverConf generator
    },
}
# Campaign JS kinds also go into workflow packages, xtk:javascript packages and JSSP pages.
for _kind in ("svc-logon", "logon-with-user", "logon-remote"):
    for _cat in ("workflow_xml", "xtkjs_xml", "jssp"):
        PLANTS[_kind][_cat] = PLANTS[_kind]["campaign_js"]
PLANTS["logon-remote"].pop("jssp")

# Needle: the text that names a planted snippet's primary line.
NEEDLE = {
    "session-token-literal": "«uuid»",
    "jwt-exchange": "exchange/jwt",
    "allow-user-password": 'allowUserPassword="true"',
}


# --------------------------------------------------------------------------- categories and layout


class Category:
    """One kind of file: its share of the tree, its typical size and how its paths look."""

    def __init__(
        self,
        name: str,
        weight: float,
        median: int,
        sigma: float = 0.8,
        scaled: bool = True,
        fixed: Optional[Tuple[int, int]] = None,
    ) -> None:
        self.name = name
        self.weight = weight
        self.median = median
        self.sigma = sigma
        self.scaled = scaled
        self.fixed = fixed  # uniform size range in bytes, unscaled (large files, binaries)


CATEGORIES: List[Category] = [
    Category("node_js", 13, 5000),
    Category("campaign_js", 7, 6000),
    Category("jssp", 2.5, 5000),
    Category("workflow_xml", 5, 10000),
    Category("xtkjs_xml", 2.5, 8000),
    Category("soap_xml", 1.2, 1500, 0.3, scaled=False),
    Category("serverconf", 0.25, 30000, 0.3),
    Category("java", 11, 7000),
    Category("csharp", 7, 6000),
    Category("python", 9, 5000),
    Category("php", 5, 5000),
    Category("shell", 3.5, 2500),
    Category("yaml", 5, 2000),
    Category("json", 6, 2500),
    Category("postman", 0.8, 9000),
    Category("properties", 2.5, 1200),
    Category("env", 1.5, 350, 0.3, scaled=False),
    Category("markdown", 6, 4000),
    Category("sql", 2.5, 6000),
    Category("minified", 0.5, 0, fixed=(150_000, 600_000)),
    Category("large_json", 0.3, 0, fixed=(150_000, 500_000)),
    Category("binary", 0.45, 0, fixed=(2_000, 200_000)),
]
CAT = {c.name: c for c in CATEGORIES}


def _dir_for(cat: str, r: random.Random) -> str:  # noqa: C901
    svc = r.choice(SERVICES)
    ns = r.choice(CAMPAIGN_NS)
    noun = r.choice(NOUNS)
    if cat == "node_js":
        return f"services/{svc}/src/{r.choice(('routes', 'services', 'lib', 'models', 'jobs', 'middleware', 'clients'))}/{noun}"
    if cat == "campaign_js":
        return f"campaign/js/{ns}/{noun}"
    if cat == "jssp":
        return f"campaign/jssp/{ns}/{r.choice(('pages', 'api', 'viewer', 'admin'))}"
    if cat == "workflow_xml":
        return f"campaign/packages/workflows/{r.choice(('technical', 'marketing', 'imports', 'exports', 'mc'))}/{noun}"
    if cat == "xtkjs_xml":
        return f"campaign/packages/libraries/{ns}/{noun}"
    if cat == "soap_xml":
        return f"integration/soap-samples/{svc}"
    if cat == "serverconf":
        return f"campaign/config/{r.choice(HOSTS)}-{r.choice(('dev', 'qa', 'stage', 'prod', 'uat', 'perf', 'dr'))}-{r.randint(1, 99):02d}"
    if cat == "java":
        return f"java/{svc}/src/{r.choice(('main', 'main', 'test'))}/java/com/acme/{svc.replace('-', '')}/{noun}"
    if cat == "csharp":
        return f"dotnet/Acme.{cap(svc.replace('-', ''))}/{r.choice(('Services', 'Controllers', 'Data', 'Models', 'Clients'))}"
    if cat == "python":
        return f"python/{svc.replace('-', '_')}/{r.choice(('api', 'jobs', 'core', 'clients', 'tests'))}"
    if cat == "php":
        return f"php/{svc}/src/{r.choice(('Service', 'Controller', 'Repository', 'Client'))}"
    if cat == "shell":
        return r.choice((f"scripts/{r.choice(('deploy', 'ops', 'data', 'ci'))}", f"services/{svc}/bin"))
    if cat == "yaml":
        if r.random() < 0.03:
            return ".github/workflows"
        return r.choice(
            (
                f"deploy/{r.choice(('dev', 'staging', 'prod'))}/{svc}",
                f"services/{svc}/api",
                f"deploy/helm/{svc}/templates",
            )
        )
    if cat == "json":
        return r.choice((f"services/{svc}/config", f"web/src/i18n/{r.choice(LANGS_I18N)}", f"services/{svc}/fixtures"))
    if cat == "postman":
        return "postman" if r.random() < 0.5 else f"services/{svc}/postman"
    if cat == "properties":
        return f"java/{svc}/src/main/resources"
    if cat == "env":
        return (
            f"services/{svc}"
            if r.random() < 0.4
            else f"services/{svc}/deploy/{r.choice(('dev', 'qa', 'stage', 'prod', 'local'))}"
        )
    if cat == "markdown":
        return r.choice(
            (
                f"docs/{r.choice(('runbooks', 'adr', 'guides', 'integrations', 'campaign', 'onboarding'))}/{noun}",
                f"services/{svc}/docs",
                f"services/{svc}",
            )
        )
    if cat == "sql":
        return f"db/migrations/{svc}"
    if cat == "minified":
        return r.choice(("web/dist/assets", "web/public/vendor", f"services/{svc}/public/js"))
    if cat == "large_json":
        return r.choice(("data/fixtures", f"services/{svc}/fixtures/large"))
    if cat == "binary":
        return r.choice(("web/public/img", "docs/img", "releases", f"services/{svc}/assets"))
    raise ValueError(cat)


def _name_for(cat: str, r: random.Random) -> str:  # noqa: C901
    noun, verb = r.choice(NOUNS), r.choice(VERBS)
    if cat in ("node_js", "campaign_js"):
        return f"{noun}{cap(verb)}.js" if r.random() < 0.5 else f"{verb}-{noun}.js"
    if cat == "jssp":
        return f"{noun}{cap(verb)}.jssp"
    if cat == "workflow_xml":
        return f"WKF_{noun.upper()}_{verb.upper()}.xml"
    if cat == "xtkjs_xml":
        return f"{noun}{cap(verb)}.js.xml"
    if cat == "soap_xml":
        return f"{verb}-{noun}-request.xml"
    if cat == "serverconf":
        return "serverConf.xml"
    if cat == "java":
        return f"{cap(noun)}{r.choice(('Service', 'Repository', 'Client', 'Controller', 'Mapper'))}.java"
    if cat == "csharp":
        return f"{cap(noun)}{r.choice(('Service', 'Repository', 'Client', 'Controller'))}.cs"
    if cat == "python":
        return f"{noun}_{verb}.py"
    if cat == "php":
        return f"{cap(noun)}{r.choice(('Service', 'Repository', 'Client', 'Controller'))}.php"
    if cat == "shell":
        return f"{verb}-{noun}.sh"
    if cat == "yaml":
        return f"{noun}-{verb}.{r.choice(('yaml', 'yml'))}"
    if cat == "json":
        return f"{noun}.json" if r.random() < 0.3 else f"{noun}-{verb}.json"
    if cat == "postman":
        return f"{noun}-{verb}.postman_collection.json"
    if cat == "properties":
        return f"application-{noun}.properties"
    if cat == "env":
        return r.choice((".env", ".env.local", ".env.example", f".env.{noun}", f"{noun}.env"))
    if cat == "markdown":
        return f"{noun}-{verb}.md" if r.random() < 0.8 else "README.md"
    if cat == "sql":
        return f"V{r.randint(1, 400)}__{verb}_{noun}.sql"
    if cat == "minified":
        return f"{noun}.{'%08x' % r.getrandbits(32)}.min.js"
    if cat == "large_json":
        return f"{noun}s-{r.randint(1, 99)}.json"
    if cat == "binary":
        return f"{noun}-{r.randint(1, 999)}.{r.choice(('png', 'png', 'zip'))}"
    raise ValueError(cat)


# --------------------------------------------------------------------------- file generators


class Plant:
    """A planted credential: kind, the rendered snippet as it appears in the file, and its needle."""

    def __init__(self, kind: str, snippet: str, needle: str) -> None:
        self.kind = kind
        self.snippet = snippet
        self.needle = needle


def _blocks(r: random.Random, c: Dict[str, str], pool: Sequence[Tpl], target: int) -> List[str]:
    out: List[str] = []
    size = 0
    while size < target:
        b = r.choice(pool).render(r, c)
        out.append(b)
        size += len(b)
    return out


def _insert(r: random.Random, blocks: List[str], snippet: Optional[str]) -> List[str]:
    if snippet is not None:
        blocks.insert(r.randint(0, len(blocks)), snippet)
    return blocks


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def gen_campaign_js(r, c, target, plant):
    head = f'/* {c["ns"]}:{c["noun"]}{cap(c["verb"])}.js - {r.choice(COMMENTS)} */\nloadLibrary("xtk:common.js");\nloadLibrary("{c["ns"]}:{c["noun"]}Utils.js");\n'
    return head + "".join(_insert(r, _blocks(r, c, CAMPAIGN_JS, target - len(head)), plant.snippet if plant else None))


def gen_node_js(r, c, target, plant):
    head = NODE_JS_HEADER.render(r, c)
    if plant and plant.kind in ("of-user-and-password",):
        head += "const sdk = require('@adobe/acc-js-sdk');\n"
    if plant and plant.kind == "jwt-exchange":
        head += "const jwt = require('jsonwebtoken');\n"
    foot = NODE_JS_FOOTER.render(r, c)
    body = _insert(r, _blocks(r, c, NODE_JS, target - len(head) - len(foot)), plant.snippet if plant else None)
    return head + "".join(body) + foot


def gen_jssp(r, c, target, plant):
    out = [
        '<%@ page import="/nl/core/shared/nl.js" %>\n<%\n  NL.require("/nl/core/jsspcontext.js");\n'
        f'  loadLibrary("{c["ns"]}:{c["noun"]}Utils.js");\n%>\n'
    ]
    size = len(out[0])
    planted = False
    while size < target or (plant and not planted):
        js = _blocks(r, c, CAMPAIGN_JS, r.randint(800, 3000))
        if plant and not planted and (r.random() < 0.5 or size + 3000 >= target):
            _insert(r, js, plant.snippet)
            planted = True
        section = (
            "<%\n"
            + "".join(js)
            + "%>\n"
            + (
                f'<div class="{c["noun"]}-panel">\n  <h2><%= {c["ns"]}_label("{c["noun"]}") %></h2>\n'
                f'  <form method="post" action="/{c["ns"]}/{c["noun"]}{cap(c["verb"])}.jssp">\n'
                '    <input type="hidden" name="step" value="2"/>\n  </form>\n</div>\n'
            )
        )
        out.append(section)
        size += len(section)
    return "".join(out)


_WF_HEAD = T("""<?xml version='1.0'?>
<package author="«Author» («author»)" buildDate="2024-«mm»-«dd» 09:«mm»:00.000Z" buildNumber="9383" buildVersion="7.4"
         img="" label="«Noun» «verb» workflow" name="wkf«Noun»«Verb»" namespace="«ns»" vendor="">
  <desc>«comment»</desc>
  <version buildDate="2024-«mm»-«dd» 09:«mm»:00.000Z"/>
  <entities schema="xtk:workflow">
    <workflow internalName="WKF_«NOUN»_«VERB»" label="«Noun» «verb»" modelName="newWorkflow" form="xtk:workflow"
              schema="nms:recipient" simulation="false" production="true">
      <activities>
        <start label="Start" name="start" x="48" y="48">
          <initScript>vars.«noun»Endpoint = getOption("«ns»«Noun»Endpoint");
vars.batchSize = «n»;</initScript>
          <transitions><initial name="initial" target="js1"/></transitions>
        </start>
""")
_WF_QUERY = T("""        <query label="«Noun»s to «verb»" name="query«n»" schema="nms:recipient" x="«n»" y="«n»">
          <where displayFilter="«Noun»s modified recently" filterName="backGroundFilterFrm" id="«n»">
            <condition boolOperator="AND" expr="@lastModified &gt;= DaysAgo(«n»)" internalId="«n»"/>
            <condition boolOperator="AND" expr="[«noun»/@status] = 1" internalId="«n»"/>
          </where>
          <transitions><result label="Result" name="result" target="js«n»"/></transitions>
        </query>
""")
_WF_FOOT = """        <end label="End" name="end" x="900" y="48"/>
      </activities>
      <variables/>
      <folder _operation="none" name="nmsTechnicalWorkflow"/>
    </workflow>
  </entities>
</package>
"""
_GEN.update(
    {
        "author": lambda r: r.choice(("jdev", "admin", "mkt_ops", "asmith", "bmartin")),
        "mm": lambda r: "%02d" % r.randint(1, 12),
        "dd": lambda r: "%02d" % r.randint(1, 28),
    }
)


def gen_workflow_xml(r, c, target, plant):
    out = [_WF_HEAD.render(r, c)]
    size = len(out[0]) + len(_WF_FOOT)
    i = 1
    planted = False
    while size < target or (plant and not planted):
        if r.random() < 0.3:
            part = _WF_QUERY.render(r, c)
        else:
            js = _blocks(r, c, CAMPAIGN_JS, r.randint(600, 2500))
            if plant and not planted and (r.random() < 0.4 or size + 2500 >= target):
                _insert(r, js, plant.snippet)
                planted = True
            part = (
                f'        <js label="{cap(r.choice(VERBS))} {r.choice(NOUNS)}s" name="js{i}" x="{100 + 80 * i}" y="48">\n'
                f'          <transitions><done name="done" target="js{i + 1}"/><error name="error"/></transitions>\n'
                f"          <script>{_xml_escape(''.join(js))}</script>\n        </js>\n"
            )
            i += 1
        out.append(part)
        size += len(part)
    out.append(_WF_FOOT)
    return "".join(out)


def gen_xtkjs_xml(r, c, target, plant):
    out = [
        "\ufeff<?xml version='1.0'?>\n"
        f'<package author="Administrator (admin)" buildDate="2024-03-0{r.randint(1, 9)} 10:12:44.512Z" buildNumber="9383"'
        f' buildVersion="7.4" img="" label="{cap(c["noun"])} libraries" name="{c["ns"]}{cap(c["noun"])}Libs"'
        f' namespace="{c["ns"]}" vendor="">\n  <entities schema="xtk:javascript">\n'
    ]
    size = len(out[0])
    planted = False
    k = 0
    while size < target or (plant and not planted):
        k += 1
        js = _blocks(r, c, CAMPAIGN_JS, r.randint(1500, 6000))
        if plant and not planted and (r.random() < 0.5 or size + 6000 >= target):
            _insert(r, js, plant.snippet)
            planted = True
        name = f"{c['noun']}{cap(r.choice(VERBS))}{k}.js"
        part = (
            f'    <javascript entitySchema="xtk:javascript" img="xtk:javascript.png" label="{name}" name="{name}"'
            f' namespace="{c["ns"]}">\n      <data><![CDATA[{"".join(js)}]]></data>\n    </javascript>\n'
        )
        out.append(part)
        size += len(part)
    out.append("  </entities>\n</package>\n")
    return "".join(out)


def gen_soap_xml(r, c, target, plant):
    if plant:
        return plant.snippet
    return r.choice(SOAP_DOCS).render(r, c)


_ZONE = T("""      <securityZone allowDebug="false" allowEmptyPassword="false" allowHTTP="«http»" allowUserPassword="false"
                    label="«label»" name="«zone»" sessionTokenOnly="false" showErrors="false">
        <subNetwork label="«label» network" mask="«mask»" name="«zone»Net"/>
      </securityZone>
""")
_GEN.update(
    {
        "http": lambda r: r.choice(("false", "false", "true")),
        "label": lambda r: r.choice(("Partner VPN", "Office LAN", "Data centre", "Monitoring", "Build servers")),
        "zone": lambda r: (
            r.choice(("partnerVpn", "officeLan", "dataCenter", "monitoring", "buildServers")) + str(r.randint(1, 9))
        ),
        "mask": lambda r: f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.0/24",
    }
)


def gen_serverconf(r, c, target, plant):
    head = (
        "<?xml version='1.0'?>\n<serverconf>\n  <shared>\n"
        f'    <dataStore hosts="{c["host"]}.campaign.adobe.com" lang="en_US">\n'
        '      <dbcnx encrypted="1" login="neolane:campaign" password="@'
        + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(44))
        + '" provider="PostgreSQL" server="db.internal"/>\n'
        "    </dataStore>\n    <imsConfig>\n"
        '      <nonIMSOperatorMgmtInClientConsole nonIMSOperatorMgmtInClientConsoleRestricted="true"/>\n'
        '      <nonIMSAuthnAPI disableAPI="true">\n'
        '        <allowOperator name="admin"/>\n        <allowOperator name="aemserver"/>\n'
        '        <allowOperator name="campaign-loginmonitor"/>\n        <allowOperator name="internal|monitoring"/>\n'
        '      </nonIMSAuthnAPI>\n    </imsConfig>\n  </shared>\n  <securityZone name="public" label="Public Network">\n'
        '    <securityZone allowDebug="false" allowEmptyPassword="false" allowHTTP="false" allowUserPassword="false" label="VPN" name="vpn">\n'
    )
    foot = "    </securityZone>\n  </securityZone>\n</serverconf>\n"
    zones = []
    size = len(head) + len(foot)
    while size < target * 0.4:
        z = _ZONE.render(r, c)
        zones.append(z)
        size += len(z)
    if plant:
        zones.insert(r.randint(0, len(zones)), plant.snippet)
    tail = []
    while size < target:
        line = (
            f'  <!-- {r.choice(COMMENTS)} -->\n  <module name="{r.choice(("mta", "wfserver", "web", "inMail", "stat", "sms"))}{r.randint(1, 99)}"'
            f' autoStart="{r.choice(("true", "false"))}" maxProcessMemoryAlertMb="{r.randint(512, 4096)}"'
            f' maxProcessMemoryWarningMb="{r.randint(256, 2048)}" processRestartTime="06:00:00"/>\n'
        )
        tail.append(line)
        size += len(line)
    return head + "".join(zones) + foot[: -len("</serverconf>\n")] + "".join(tail) + "</serverconf>\n"


def _plant_zone(r: random.Random, c: Dict[str, str]) -> Tuple[str, str]:
    zone = r.choice(("partnerVpn", "legacyApi", "mcExecution", "crmBridge")) + str(r.randint(1, 9))
    snippet = (
        f'      <securityZone allowDebug="false" allowEmptyPassword="false" allowHTTP="false" allowUserPassword="true"\n'
        f'                    label="Legacy API clients" name="{zone}" sessionTokenOnly="false" showErrors="false">\n'
        f'        <subNetwork label="Legacy API clients" mask="10.{r.randint(0, 255)}.{r.randint(0, 255)}.0/24" name="{zone}Net"/>\n'
        "      </securityZone>\n"
    )
    return snippet, 'allowUserPassword="true"'


def gen_java(r, c, target, plant):
    pkg = c["pkg"]
    cls = f"{cap(c['noun'])}{r.choice(('Service', 'Repository', 'Client'))}"
    head = (
        f"package com.acme.{pkg};\n\nimport java.sql.*;\nimport java.util.*;\nimport java.util.stream.Collectors;\n"
        "import org.apache.http.client.methods.HttpPost;\nimport org.slf4j.Logger;\nimport org.slf4j.LoggerFactory;\n\n"
        f"/** {r.choice(COMMENTS)} */\npublic class {cls} {{\n\n"
        f"    private static final Logger LOG = LoggerFactory.getLogger({cls}.class);\n"
    )
    foot = "}\n"
    pool = JAVA if c.get("sap") != "1" else JAVA_NO_CAMPAIGN + [JAVA_SAP] * 2
    return head + "".join(_insert(r, _blocks(r, c, pool, target - len(head)), plant.snippet if plant else None)) + foot


def gen_csharp(r, c, target, plant):
    cls = f"{cap(c['noun'])}{r.choice(('Service', 'Repository', 'Client'))}"
    head = (
        "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Net.Http;\n"
        "using System.Net.Http.Headers;\nusing System.Text;\nusing System.Threading;\nusing System.Threading.Tasks;\n\n"
        f"namespace Acme.{cap(c['svc'].replace('-', ''))}\n{{\n    /// <summary>{r.choice(COMMENTS)}</summary>\n"
        f"    public sealed class {cls}\n    {{\n"
    )
    foot = "    }\n}\n"
    return (
        head + "".join(_insert(r, _blocks(r, c, CSHARP, target - len(head)), plant.snippet if plant else None)) + foot
    )


def gen_python(r, c, target, plant):
    head = PYTHON_HEADER.render(r, c)
    if plant and plant.kind == "zeep-logon":
        head += "import zeep\n"
    if plant and plant.kind == "jwt-exchange":
        head += "import time\n\nimport jwt\n"
    return head + "".join(_insert(r, _blocks(r, c, PYTHON, target - len(head)), plant.snippet if plant else None))


def gen_php(r, c, target, plant):
    cls = f"{cap(c['noun'])}{r.choice(('Service', 'Repository', 'Client'))}"
    head = (
        f"<?php\n\ndeclare(strict_types=1);\n\nnamespace Acme\\{cap(c['svc'].replace('-', ''))};\n\n"
        "use GuzzleHttp\\ClientInterface;\nuse PDO;\nuse Psr\\Log\\LoggerInterface;\n\n"
        f"/** {r.choice(COMMENTS)} */\nfinal class {cls}\n{{\n"
    )
    return head + "".join(_insert(r, _blocks(r, c, PHP, target - len(head)), plant.snippet if plant else None)) + "}\n"


def gen_shell(r, c, target, plant):
    head = SHELL_HEADER.render(r, c)
    return head + "".join(_insert(r, _blocks(r, c, SHELL, target - len(head)), plant.snippet if plant else None))


def gen_yaml(r, c, target, plant):
    return "".join(_blocks(r, c, YAML_DOCS, target))


def gen_markdown(r, c, target, plant):
    head = f"# {cap(c['noun'])} {c['verb']} ({c['svc']})\n\n{r.choice(COMMENTS)}\n"
    return head + "".join(_blocks(r, c, MARKDOWN, target - len(head)))


def gen_sql(r, c, target, plant):
    return f"-- {c['svc']}: {r.choice(COMMENTS)}\n" + "".join(_blocks(r, c, SQL, target))


def gen_properties(r, c, target, plant):
    return f"# {c['svc']} configuration\n" + "".join(_blocks(r, c, PROPERTIES_LINES, target))


def gen_env(r, c, target, plant):
    return "".join(_insert(r, _blocks(r, c, ENV_LINES, target), plant.snippet if plant else None))


def gen_json(r, c, target, plant):
    kind = r.random()
    if kind < 0.25:
        doc = {
            "name": f"@acme/{c['svc']}",
            "version": f"1.{r.randint(0, 40)}.{r.randint(0, 9)}",
            "private": True,
            "scripts": {"start": "node src/index.js", "test": "jest", "lint": "eslint src"},
            "dependencies": {
                "axios": "^1.6.0",
                "express": "^4.19.0",
                "express-session": "^1.18.0",
                "bcryptjs": "^2.4.3",
                "@adobe/acc-js-sdk": "^1.1.50",
                "pg": "^8.11.0",
            },
        }
        return json.dumps(doc, indent=2) + "\n"
    if kind < 0.6:
        msgs = {}
        size = 0
        while size < target:
            k = f"{r.choice(NOUNS)}.{r.choice(('login', 'password', 'session', 'token', 'title', 'error', 'help'))}.{r.randint(1, 999)}"
            v = r.choice(
                (
                    "Sign in",
                    "Password",
                    "Forgot your password?",
                    "Your session has expired, please log in again.",
                    "Invalid token",
                    "Login",
                    "Reset password",
                    r.choice(COMMENTS),
                )
            )
            msgs[k] = v
            size += len(k) + len(v) + 8
        return json.dumps(msgs, indent=2, ensure_ascii=False) + "\n"
    records = []
    size = 0
    while size < target:
        rec = {
            "id": r.randint(1, 10**7),
            "email": f"user{r.randint(1, 10**6)}@example.com",
            c["field"]: r.choice(NOUNS),
            "lastLogin": f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T10:00:00Z",
            "sessionCount": r.randint(0, 500),
            "passwordChangedAt": None,
        }
        records.append(rec)
        size += 170
    return json.dumps({"items": records, "total": len(records)}, indent=2) + "\n"


def _postman_item(r: random.Random, c: Dict[str, str]) -> dict:
    kind = r.random()
    if kind < 0.3:
        return {
            "name": "Get IMS access token",
            "request": {
                "method": "POST",
                "url": {"raw": "https://ims-na1.adobelogin.com/ims/token/v3"},
                "body": {
                    "mode": "urlencoded",
                    "urlencoded": [
                        {"key": "grant_type", "value": "client_credentials"},
                        {"key": "client_id", "value": "{{client_id}}"},
                        {"key": "client_secret", "value": "{{client_secret}}"},
                        {"key": "scope", "value": "openid,AdobeID,campaign_sdk"},
                    ],
                },
            },
            "event": [
                {
                    "listen": "test",
                    "script": {
                        "exec": ["pm.collectionVariables.set('access_token', pm.response.json().access_token);"]
                    },
                }
            ],
        }
    if kind < 0.7:
        return {
            "name": f"{cap(r.choice(VERBS))} {r.choice(NOUNS)}s",
            "request": {
                "method": "POST",
                "url": {"raw": "{{acc_endpoint}}/nl/jsp/soaprouter.jsp"},
                "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{access_token}}", "type": "string"}]},
                "header": [
                    {"key": "SOAPAction", "value": "xtk:queryDef#ExecuteQuery"},
                    {"key": "Content-Type", "value": "text/xml"},
                ],
                "body": {
                    "mode": "raw",
                    "raw": '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                    'xmlns:urn="urn:xtk:queryDef"><soapenv:Body><urn:ExecuteQuery><urn:sessiontoken/><urn:entity>'
                    f'<queryDef schema="nms:recipient" operation="select" lineCount="{r.randint(10, 5000)}"><select><node expr="@email"/>'
                    f'<node expr="@{r.choice(FIELDS)}"/></select></queryDef></urn:entity></urn:ExecuteQuery></soapenv:Body></soapenv:Envelope>',
                },
            },
        }
    return {
        "name": "Portal login",
        "request": {
            "method": "POST",
            "url": {"raw": "{{portal_url}}/api/auth/login"},
            "header": [{"key": "Content-Type", "value": "application/json"}],
            "body": {"mode": "raw", "raw": '{"login": "{{username}}", "password": "{{password}}"}'},
        },
    }


def gen_postman(r, c, target, plant):
    items = []
    size = 0
    while size < target:
        it = _postman_item(r, c)
        items.append(it)
        size += 900
    if plant:
        items.insert(
            r.randint(0, len(items)),
            {
                "name": "Logon",
                "request": {
                    "method": "POST",
                    "url": {"raw": f"https://{c['host']}.campaign.adobe.com/nl/jsp/soaprouter.jsp"},
                    "header": [
                        {"key": "SOAPAction", "value": "xtk:session#Logon"},
                        {"key": "Content-Type", "value": "text/xml"},
                    ],
                    "body": {
                        "mode": "raw",
                        "raw": '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                        'xmlns:urn="urn:xtk:session"><soapenv:Body><urn:Logon><urn:sessiontoken/>'
                        f"<urn:strLogin>{c['login']}</urn:strLogin><urn:strPassword>{plant.needle}</urn:strPassword>"
                        "<urn:elemParameters/></urn:Logon></soapenv:Body></soapenv:Envelope>",
                    },
                },
            },
        )
    doc = {
        "info": {
            "_postman_id": str(uuid.UUID(int=r.getrandbits(128))),
            "name": f"{cap(c['noun'])} {c['verb']}",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": items,
        "variable": [
            {"key": "acc_endpoint", "value": f"https://{c['host']}.campaign.adobe.com"},
            {"key": "client_id", "value": ""},
            {"key": "client_secret", "value": ""},
            {"key": "access_token", "value": ""},
            {"key": "username", "value": ""},
            {"key": "password", "value": ""},
        ],
    }
    return json.dumps(doc, indent="\t") + "\n"


_MIN_WORDS = (
    "password",
    "token",
    "session",
    "login",
    "Invalid token",
    "Session expired",
    "Sign in",
    "user",
    "Bearer",
    "Authorization",
    "expires_in",
    "refresh",
    "logout",
    "submit",
    "value",
    "length",
    "prototype",
    "function",
)


def gen_minified(r, c, target, plant):
    """A one-or-few-line bundle; some lines are tens of KB long, with a base64 source map at the end."""
    out = [f"/*! {c['svc']} bundle v{r.randint(1, 9)}.{r.randint(0, 99)} | (c) Acme | MIT */\n"]
    size = len(out[0])
    ids = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(1, 2))) for _ in range(60)]
    line: List[str] = []
    line_len = 0
    line_target = r.choice((8000, 32000, 120000, 10**9))
    while size < target * 0.85:
        a, b, d = r.choice(ids), r.choice(ids), r.choice(ids)
        frag = r.choice(
            (
                f"function {a}({b},{d}){{return {b}&&{b}.{r.choice(('length', 'value', 'id'))}>{r.randint(0, 99)}?{d}({b}):null}}",
                f'var {a}="{r.choice(_MIN_WORDS)}",{b}={r.randint(0, 9999)};',
                f"{a}.prototype.{r.choice(_MIN_WORDS).replace(' ', '')}=function({b}){{this.{d}={b};return this}};",
                f'if(!{a}.{r.choice(("token", "session", "user"))})throw new Error("{r.choice(_MIN_WORDS)}");',
                f'{a}.headers.Authorization="Bearer "+{b}.access_token;',
                f"{a}=Object.assign({{}},{b},{{{r.choice(_MIN_WORDS).replace(' ', '')}:{d}}});",
            )
        )
        line.append(frag)
        line_len += len(frag)
        size += len(frag)
        if line_len >= line_target:
            out.append("".join(line) + "\n")
            line, line_len = [], 0
    if line:
        out.append("".join(line) + "\n")
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    n = max(0, target - size - 60)
    out.append("//# sourceMappingURL=data:application/json;base64," + "".join(r.choice(b64) for _ in range(n)) + "\n")
    return "".join(out)


def gen_large_json(r, c, target, plant):
    parts = ['{"generated": "2024-06-01T00:00:00Z", "records": [\n']
    size = len(parts[0])
    first = True
    while size < target:
        rec = (
            f'{"" if first else ","}{{"id": {r.randint(1, 10**9)}, "login": "user{r.randint(1, 10**6)}", '
            f'"email": "user{r.randint(1, 10**6)}@example.com", "{r.choice(FIELDS)}": "{r.choice(NOUNS)}", '
            f'"sessionCount": {r.randint(0, 900)}, "passwordChangedAt": null, "lastLogin": "2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"}}\n'
        )
        first = False
        parts.append(rec)
        size += len(rec)
    parts.append("]}\n")
    return "".join(parts)


def gen_binary(r, c, target, name) -> bytes:
    if name.endswith(".png"):
        return (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
            + r.randbytes(17)
            + b"IDAT"
            + r.randbytes(max(0, target - 40))
            + b"\x00\x00\x00\x00IEND\xaeB`\x82"
        )
    return b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + r.randbytes(max(0, target - 32)) + b"PK\x05\x06" + b"\x00" * 18


GENERATORS: Dict[str, Callable] = {
    "node_js": gen_node_js,
    "campaign_js": gen_campaign_js,
    "jssp": gen_jssp,
    "workflow_xml": gen_workflow_xml,
    "xtkjs_xml": gen_xtkjs_xml,
    "soap_xml": gen_soap_xml,
    "serverconf": gen_serverconf,
    "java": gen_java,
    "csharp": gen_csharp,
    "python": gen_python,
    "php": gen_php,
    "shell": gen_shell,
    "yaml": gen_yaml,
    "json": gen_json,
    "postman": gen_postman,
    "properties": gen_properties,
    "env": gen_env,
    "markdown": gen_markdown,
    "sql": gen_sql,
    "minified": gen_minified,
    "large_json": gen_large_json,
}


# --------------------------------------------------------------------------- the plan and the writer


def _counts(n: int) -> Dict[str, int]:
    total = sum(c.weight for c in CATEGORIES)
    raw = {c.name: n * c.weight / total for c in CATEGORIES}
    counts = {k: int(v) for k, v in raw.items()}
    rest = n - sum(counts.values())
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[:rest]:
        counts[k] += 1
    return counts


def plan(
    n_files: int, size_bytes: int, planted: float, r: random.Random
) -> Tuple[List[Tuple[str, str, int]], Dict[int, str]]:
    """Decide every file's category, path and size, and which files get which planted credential."""
    counts = _counts(n_files)
    cats: List[str] = [k for k, v in counts.items() for _ in range(v)]
    r.shuffle(cats)
    sizes: List[float] = []
    for cat in cats:
        cc = CAT[cat]
        sizes.append(r.uniform(*cc.fixed) if cc.fixed else cc.median * r.lognormvariate(0, cc.sigma))
    fixed_total = sum(s for s, cat in zip(sizes, cats) if not CAT[cat].scaled or CAT[cat].fixed)
    scaled_total = sum(s for s, cat in zip(sizes, cats) if CAT[cat].scaled and not CAT[cat].fixed)
    factor = max(0.05, (size_bytes - fixed_total) / scaled_total) if scaled_total else 1.0
    # Paths: files of a category share a pool of folders, ~5-40 files each, like a real repository.
    pools: Dict[str, List[str]] = {}
    used: set = set()
    files: List[Tuple[str, str, int]] = []
    for cat, size in zip(cats, sizes):
        cc = CAT[cat]
        pool = pools.setdefault(cat, [])
        if not pool or cat == "serverconf" or r.random() < 1.0 / r.randint(5, 40):
            pool.append(_dir_for(cat, r))
            folder = pool[-1]
        else:
            folder = r.choice(pool[-8:])  # recent folders fill up, older ones stay as they are
        name = _name_for(cat, r)
        path = f"{folder}/{name}"
        k = 2
        while path in used:
            stem, dot, ext = name.partition(".")
            path = f"{folder}/{stem}{k}{dot}{ext}" if not name.startswith(".") else f"{folder}/{name}.{k}"
            k += 1
        used.add(path)
        # Files end on a whole block, about 400 bytes past their target on average: aim that much lower.
        target = int(size * factor) - 400 if cc.scaled and not cc.fixed else int(size)
        files.append((cat, path, max(120, target)))
    # Planted credentials: kinds in turn, each into a random file of a category that can hold it.
    n_planted = int(round(n_files * planted))
    by_cat: Dict[str, List[int]] = {}
    for i, (cat, _, _) in enumerate(files):
        by_cat.setdefault(cat, []).append(i)
    for lst in by_cat.values():
        r.shuffle(lst)
    kinds = sorted(PLANTS)
    plants: Dict[int, str] = {}
    order: List[str] = []
    while len(order) < n_planted:
        batch = list(kinds)
        r.shuffle(batch)
        order.extend(batch)
    for kind in order[:n_planted]:
        hosts = [cat for cat in sorted(PLANTS[kind]) if by_cat.get(cat)]
        if not hosts:
            continue
        cat = r.choice(hosts)
        plants[by_cat[cat].pop()] = kind
    return files, plants


# The pre-filter keywords of imslint's built-in rules (lower case, as `imslint rules --format json` lists them
# with their rules), fixed here so that a tree's bytes do not change when a rule does.
KEYWORDS = (
    ".campaign.adobe.com",
    "___",
    "__sessiontoken=",
    "acc-js-sdk",
    "allowoperator",
    "authimstaprivatekey",
    "basic",
    "client-secret",
    "client_secret",
    "clientsecret",
    "curl",
    "ent_campaign_sdk",
    "exchange/jwt",
    "extaccount",
    "eyj",
    "imsconfig",
    "logon",
    "new client(",
    "nonimsauthnapi",
    "pass",
    "pwd",
    "security-token",
    "security_token",
    "securitytoken",
    "securityzone",
    "sessiontoken",
    "setims",
    "setimsoauth",
    "soapmethodcall",
)
_NOT_X = str.maketrans({c: "x" for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"})


def scrub(text: str) -> str:
    """``text`` with every pre-filter keyword's letters and digits replaced by ``x`` (lengths kept).

    ``str.find`` per keyword on the lower-cased text: an alternation regex with IGNORECASE runs at
    under 1 MB/s on minified bundles and made a sparse tree take minutes to write.
    """
    chars = list(text)
    while True:
        low = "".join(chars).lower()
        if len(low) != len(chars):  # a character whose lower case is longer (U+0130): go one by one
            low = "".join(c.lower()[:1] for c in chars)
        hit = False
        for k in KEYWORDS:
            at = low.find(k)
            while at >= 0:
                hit = True
                chars[at : at + len(k)] = "".join(chars[at : at + len(k)]).translate(_NOT_X)
                at = low.find(k, at + 1)
        if not hit:
            return "".join(chars)


def _uuid_token(r: random.Random) -> str:
    return "___" + str(uuid.UUID(int=r.getrandbits(128), version=4))


def render_file(
    r: random.Random, cat: str, path: str, target: int, kind: Optional[str], k: int
) -> Tuple[str, Optional[Plant]]:
    """Generate one file's text (and the plant it holds, if any)."""
    svc = path.split("/")[1] if path.startswith("services/") else r.choice(SERVICES)
    c = {
        "ns": r.choice(CAMPAIGN_NS),
        "host": r.choice(HOSTS),
        "svc": svc,
        "noun": r.choice(NOUNS),
        "verb": r.choice(VERBS),
        "field": r.choice(FIELDS),
        "pkg": svc.replace("-", "") + "." + r.choice(NOUNS),
    }
    c["NOUN"] = c["noun"].upper()
    c["VERB"] = c["verb"].upper()
    c["Author"] = "Jane Dev"
    if cat == "java" and r.random() < 0.15 and kind is None:
        c["sap"] = "1"  # a SAP connector: logon( with no Campaign context, a decoy
    plant: Optional[Plant] = None
    if kind is not None:
        c["login"] = _login(r, k)
        c["pw"] = _pw(r, k)
        c["uuid"] = _uuid_token(r)
        if kind == "allow-user-password":
            snippet, needle = _plant_zone(r, c)
        elif cat == "postman":
            snippet, needle = "", c["pw"]
        else:
            snippet = PLANTS[kind][cat].render(r, c)
            needle = NEEDLE.get(kind, "«pw»")
            needle = c["uuid"] if needle == "«uuid»" else (c["pw"] if needle == "«pw»" else needle)
        plant = Plant(kind, snippet, needle)
    text = GENERATORS[cat](r, c, target, plant)
    return text, plant


def locate(text: str, plant: Plant, cat: str) -> Tuple[int, int, int]:
    """Line of the needle, and first/last line of the snippet, in the final text (1-based)."""
    snippet = plant.snippet
    if cat == "workflow_xml":
        snippet = _xml_escape(snippet)
    snippet = snippet.strip("\n")
    if snippet:
        pos = text.find(snippet)
        if pos < 0:
            raise AssertionError(f"planted snippet not found ({plant.kind}, {cat})")
        start = text.count("\n", 0, pos) + 1
        end = start + snippet.count("\n")
        npos = text.find(plant.needle, pos)
    else:
        npos = text.find(plant.needle)
        start = end = text.count("\n", 0, npos) + 1
    if npos < 0:
        raise AssertionError(f"needle not found ({plant.kind}, {cat})")
    line = text.count("\n", 0, npos) + 1
    return line, start, end


def generate(
    out: str,
    n_files: int,
    size_mb: float,
    seed: int,
    planted: float,
    git: bool = True,
    quiet: bool = False,
    density: float = 1.0,
) -> Dict[str, object]:
    """Write the tree under ``out`` (emptied first) and its manifest; return a summary."""
    t0 = time.perf_counter()
    r = random.Random(seed)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    files, plants = plan(n_files, int(size_mb * 1024 * 1024), planted, r)
    manifest: List[Dict[str, object]] = []
    total = 0
    made_dirs: set = set()
    for i, (cat, path, target) in enumerate(files):
        fr = random.Random(f"{seed}:{i}")  # per-file stream: a file's bytes do not depend on the files before it
        full = os.path.join(out, path)
        folder = os.path.dirname(full)
        if folder not in made_dirs:
            os.makedirs(folder, exist_ok=True)
            made_dirs.add(folder)
        if cat == "binary":
            data = gen_binary(fr, {}, target, path)
        else:
            kind = plants.get(i)
            text, plant = render_file(fr, cat, path, target, kind, i)
            if plant is None and density < 1.0 and random.Random(f"{seed}:density:{i}").random() >= density:
                text = scrub(text)
            if plant is not None:
                line, start, end = locate(text, plant, cat)
                manifest.append(
                    {
                        "path": path,
                        "line": line,
                        "start_line": start,
                        "end_line": end,
                        "kind": plant.kind,
                        "category": cat,
                    }
                )
            data = text.encode("utf-8")
        with open(full, "wb") as fh:
            fh.write(data)
        total += len(data)
    manifest.sort(key=lambda m: (m["path"], m["line"]))
    summary = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "density": density,
        "files": len(files),
        "bytes": total,
        "planted": len(manifest),
        "by_kind": {k: sum(1 for m in manifest if m["kind"] == k) for k in sorted(PLANTS)},
        "by_category": {k: v for k, v in sorted(_counts(n_files).items())},
    }
    with open(os.path.join(out, MANIFEST), "w", encoding="utf-8") as fh:
        json.dump({"summary": summary, "planted": manifest}, fh, indent=1)
        fh.write("\n")
    with open(os.path.join(out, ".gitignore"), "w", encoding="utf-8") as fh:
        fh.write(f"{MANIFEST}\n*.log\n.DS_Store\n")
    if git and shutil.which("git"):
        # Its own repository: imslint's discovery asks git which files are visible, and the tree must not
        # be hidden by the .gitignore of a repository it happens to sit in (benchmarks/data/ is ignored).
        subprocess.run(["git", "init", "-q", out], check=False)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    if not quiet:
        print(
            f"wrote {len(files)} files, {total / 1048576:.1f} MiB, {len(manifest)} planted credentials "
            f"to {out} in {summary['seconds']} s",
            file=sys.stderr,
        )
    return summary


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder to create (emptied first)")
    ap.add_argument("--files", type=int, default=20000, help="number of files (default 20000)")
    ap.add_argument("--size-mb", type=float, default=200.0, help="approximate total size in MiB (default 200)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--planted", type=float, default=0.01, help="fraction of files holding a planted credential")
    ap.add_argument("--fraction", type=float, default=1.0, help="scale --files and --size-mb (0.1 = the small tree)")
    ap.add_argument(
        "--density",
        type=float,
        default=1.0,
        help="share of files that keep the pre-filter keywords (default 1; 0.08 = a sparse tree)",
    )
    ap.add_argument("--no-git", action="store_true", help="do not make the tree a git repository")
    args = ap.parse_args(argv)
    n = max(1, int(round(args.files * args.fraction)))
    generate(
        args.out, n, args.size_mb * args.fraction, args.seed, args.planted, git=not args.no_git, density=args.density
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

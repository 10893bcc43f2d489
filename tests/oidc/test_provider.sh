#!/usr/bin/env bash
# Start/stop a throw-away glewlwyd (Debian package `glewlwyd`, 2.7.x) configured
# as an OpenID Connect provider for sccd's tests.
#
#   tests/oidc/test_provider.sh start <workdir> <port> <redirect_uri> <users_file>
#   tests/oidc/test_provider.sh stop  <workdir>
#
# `start` wipes and recreates <workdir> (sqlite database, glewlwyd.conf, webapp
# copy, RSA signing key, logs), starts glewlwyd on 127.0.0.1:<port> in the
# background (pid in <workdir>/pid), configures it through its admin API and
# prints exactly three lines on stdout (also written to <workdir>/provider.env):
#
#   issuer=http://127.0.0.1:<port>/api/oidc
#   client_id=scc-console
#   client_secret=<random>
#
# users_file: one user per line, `#` comments and blank lines ignored:
#   username password scc_role scc_urn display name words...
# (scc_urn `-` for none). Every user gets password-only authentication, the
# scopes `openid profile`, and both scopes are pre-granted to scc-console so no
# consent screen is shown.
#
# ID tokens (RS256, key generated here) carry sub, name, preferred_username,
# nonce, aud, iss, exp, iat, ... plus scc_role and scc_urn (scc_urn absent when
# the user has none).
#
# Requires: glewlwyd, openssl, python3 (standard library only).
set -euo pipefail

CLIENT_ID=scc-console
PLUGIN=oidc
START_TIMEOUT=${TEST_PROVIDER_START_TIMEOUT:-30}

die() { echo "test_provider.sh: $*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: test_provider.sh start <workdir> <port> <redirect_uri> <users_file>
       test_provider.sh stop  <workdir>
EOF
  exit 2
}

# ---------------------------------------------------------------- stop
stop_server() {
  local workdir=$1 pid _
  [ -f "$workdir/pid" ] || return 0
  pid=$(cat "$workdir/pid" 2>/dev/null || true)
  rm -f "$workdir/pid"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  # only signal it if it is really our glewlwyd
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q glewlwyd; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do          # up to 10 s
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.1
    done
    die "glewlwyd (pid $pid) did not exit"
  fi
}

# ---------------------------------------------------------------- start
find_init_sql() {
  local f
  for f in /usr/share/dbconfig-common/data/glewlwyd/install/sqlite3 \
           /usr/share/doc/glewlwyd/database/init.sqlite3.sql \
           /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

find_webapp_config() {
  local f
  for f in /usr/share/glewlwyd/templates/config.json \
           /etc/glewlwyd/config-2.7.json/config.json; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

start_server() {
  local workdir=$1 port=$2 redirect_uri=$3 users_file=$4
  [[ "$port" =~ ^[0-9]+$ ]] || die "bad port: $port"
  [ -f "$users_file" ] || die "users file not found: $users_file"
  command -v glewlwyd >/dev/null || die "glewlwyd not installed (apt-get install glewlwyd)"
  command -v openssl >/dev/null || die "openssl not installed"
  command -v python3 >/dev/null || die "python3 not installed"
  local webapp_src=/usr/share/glewlwyd/webapp
  [ -d "$webapp_src" ] || die "$webapp_src missing (package glewlwyd-common)"
  local init_sql webapp_cfg
  init_sql=$(find_init_sql) || die "glewlwyd sqlite3 init script not found"
  webapp_cfg=$(find_webapp_config) || die "glewlwyd webapp config.json not found"
  # read the users file now: it may live inside <workdir>, which is wiped
  local users_text
  users_text=$(cat "$users_file")

  # idempotent: stop a previous instance, wipe the directory. Only wipe a
  # directory that is empty or was made by this script (marker file).
  case "$(realpath -m "$workdir")" in
    /|/root|/home|/tmp|/work|"$HOME") die "refusing to use $workdir as workdir" ;;
  esac
  if [ -d "$workdir" ]; then
    if [ -n "$(ls -A "$workdir")" ] && [ ! -f "$workdir/.test_provider" ]; then
      die "$workdir exists, is not empty and was not created by test_provider.sh; refusing to wipe it"
    fi
    stop_server "$workdir"
  fi
  rm -rf "$workdir"
  mkdir -p "$workdir"
  workdir=$(realpath "$workdir")
  : >"$workdir/.test_provider"
  printf '%s\n' "$users_text" >"$workdir/users.txt"
  users_file="$workdir/users.txt"

  # refuse a busy port: otherwise the readiness poll could talk to whatever
  # already listens there before our glewlwyd fails to bind and exits
  # (SO_REUSEADDR: TIME_WAIT leftovers of a previous run are fine)
  python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()' "$port" 2>/dev/null \
    || die "port $port on 127.0.0.1 is already in use"

  local base="http://127.0.0.1:$port"
  local issuer="$base/api/$PLUGIN"

  # RSA signing key for RS256
  openssl genrsa -out "$workdir/sign-key.pem" 2048 2>"$workdir/openssl.log" \
    || die "openssl genrsa failed, see $workdir/openssl.log"
  openssl rsa -in "$workdir/sign-key.pem" -pubout -out "$workdir/sign-pub.pem" 2>>"$workdir/openssl.log" \
    || die "openssl rsa -pubout failed, see $workdir/openssl.log"

  # Webapp: a dereferenced copy. The package's webapp/config.json is a link
  # to a *directory* (/etc/glewlwyd/config-2.7.json/), so we ship a real
  # config.json; css/js/fonts are relative links into libjs-bootstrap4,
  # libjs-jquery, libjs-popper.js and fonts-fork-awesome, hence -L.
  mkdir -p "$workdir/webapp"
  local f
  for f in "$webapp_src"/*; do
    [ "$(basename "$f")" = config.json ] && continue
    cp -RL "$f" "$workdir/webapp/" 2>>"$workdir/webapp-copy.log" || true
  done
  [ -s "$workdir/webapp/js/jquery.min.js" ] || die "webapp copy incomplete (libjs-jquery missing?), see $workdir/webapp-copy.log"
  cp "$webapp_cfg" "$workdir/webapp/config.json"

  # Database: core + modules schema, default admin (admin/password), default
  # database user & client backends. Then give the user backend the two extra
  # properties scc_role / scc_urn (readable by plugins, i.e. claims).
  python3 - "$init_sql" "$workdir/glewlwyd.db" <<'PY'
import gzip, json, sqlite3, sys
src, db = sys.argv[1], sys.argv[2]
opener = gzip.open if src.endswith(".gz") else open
with opener(src, "rt") as f:
    script = f.read()
con = sqlite3.connect(db)
con.executescript(script)
row = con.execute("SELECT gumi_parameters FROM g_user_module_instance WHERE gumi_name='database'").fetchone()
params = json.loads(row[0])
df = params.setdefault("data-format", {})
for prop in ("scc_role", "scc_urn"):
    df[prop] = {"multiple": False, "read": True, "write": True,
                "profile-read": True, "profile-write": False}
con.execute("UPDATE g_user_module_instance SET gumi_parameters=? WHERE gumi_name='database'",
            (json.dumps(params),))
con.commit()
con.close()
PY

  cat >"$workdir/glewlwyd.conf" <<EOF
# generated by tests/oidc/test_provider.sh
port=$port
bind_address="127.0.0.1"
external_url="$base"
login_url="login.html"
api_prefix="api"
static_files_path="$workdir/webapp/"
allow_origin="*"
allow_methods="GET, POST, PUT, DELETE, OPTIONS"
allow_headers="Origin, X-Requested-With, Content-Type, Accept, Bearer, Authorization, DPoP"
expose_headers="Content-Encoding, Authorization"
log_mode="file"
log_level="${TEST_PROVIDER_LOG_LEVEL:-INFO}"
log_file="$workdir/glewlwyd.log"
cookie_secure=0
cookie_same_site="empty"
session_expiration=86400
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie,api_key"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
plugin_api_run_enabled=""
add_x_frame_option_header_deny=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
use_secure_connection=false
secure_connection_key_file="$workdir/unused-cert.key"
secure_connection_pem_file="$workdir/unused-cert.pem"
secure_connection_ca_file="$workdir/unused-ca.crt"
hash_algorithm="SHA512"
database =
{
  type = "sqlite3"
  path = "$workdir/glewlwyd.db"
};
static_files_mime_types =
(
  { extension = ".html"  mime_type = "text/html" },
  { extension = ".css"   mime_type = "text/css" },
  { extension = ".js"    mime_type = "application/javascript" },
  { extension = ".json"  mime_type = "application/json" },
  { extension = ".png"   mime_type = "image/png" },
  { extension = ".jpg"   mime_type = "image/jpeg" },
  { extension = ".jpeg"  mime_type = "image/jpeg" },
  { extension = ".svg"   mime_type = "image/svg+xml" },
  { extension = ".ttf"   mime_type = "font/ttf" },
  { extension = ".woff"  mime_type = "font/woff" },
  { extension = ".woff2" mime_type = "font/woff2" },
  { extension = ".otf"   mime_type = "font/otf" },
  { extension = ".eot"   mime_type = "application/vnd.ms-fontobject" },
  { extension = ".map"   mime_type = "application/octet-stream" },
  { extension = ".ico"   mime_type = "image/x-icon" }
)
EOF

  # Start in its own session so it survives the caller's shell and gets no
  # terminal signals; stdout/stderr go to a file.
  setsid glewlwyd --config-file="$workdir/glewlwyd.conf" \
    >"$workdir/glewlwyd.stdout" 2>&1 </dev/null &
  echo $! >"$workdir/pid"

  local client_secret
  client_secret=$(openssl rand -hex 24)

  # Wait for it, configure it, verify discovery. All HTTP talk in python.
  if ! python3 - "$workdir" "$base" "$issuer" "$redirect_uri" "$users_file" \
        "$client_secret" "$START_TIMEOUT" "$(cat "$workdir/pid")" \
        >"$workdir/configure.log" 2>&1 <<'PY'
import http.cookiejar, json, os, secrets, sys, time, urllib.error, urllib.parse, urllib.request

workdir, base, issuer, redirect_uri, users_file, client_secret, timeout, pid = sys.argv[1:9]
timeout, pid = float(timeout), int(pid)
API = base + "/api"
CLIENT_ID, PLUGIN = "scc-console", "oidc"

def log(*a):
    print(*a, flush=True)

def session():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        urllib.request.ProxyHandler({}))   # never use an http_proxy from env

def call(op, method, path, body=None, expect=(200,)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(API + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with op.open(req, timeout=10) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode(errors="replace")
    log(method, path, status, text[:300])
    if status not in expect:
        raise SystemExit(f"{method} {path} -> {status}: {text}")
    return json.loads(text) if text.strip().startswith(("{", "[")) else text

# 1. wait until the server answers (bounded)
anon = session()
deadline = time.monotonic() + timeout
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        raise SystemExit("glewlwyd exited during startup")
    try:
        with anon.open(base + "/config/", timeout=2) as r:
            if r.status == 200:
                break
    except Exception:
        pass
    if time.monotonic() > deadline:
        raise SystemExit(f"glewlwyd did not answer within {timeout}s")
    time.sleep(0.1)
log("server up")

# 2. admin session
admin = session()
call(admin, "POST", "/auth/", {"username": "admin", "password": "password"})

# 3. scope `profile` (openid exists already, password not required for it)
call(admin, "POST", "/scope/", {
    "name": "profile", "display_name": "Profile",
    "description": "Your name, username and SCC role",
    "password_required": True, "password_max_age": 0, "scheme": {}})

# 4. OpenID Connect plugin instance
with open(os.path.join(workdir, "sign-key.pem")) as f:
    key_pem = f.read()
with open(os.path.join(workdir, "sign-pub.pem")) as f:
    pub_pem = f.read()
params = {
    "iss": issuer,
    "jwt-type": "rsa", "jwt-key-size": "256", "key": key_pem, "cert": pub_pem,
    "jwks-show": True, "jwks-x5c": [],
    "default-kid": "",
    "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
    "refresh-token-rolling": True, "refresh-token-one-use": "never",
    "allow-non-oidc": False,
    "auth-type-code-enabled": True, "auth-type-code-revoke-replayed": False,
    "auth-type-token-enabled": False, "auth-type-id-token-enabled": True,
    "auth-type-none-enabled": False, "auth-type-password-enabled": False,
    "auth-type-client-enabled": False, "auth-type-device-enabled": False,
    "auth-type-refresh-enabled": True,
    "subject-type": "public",
    "scope": [],                                  # per-scope token overrides (none)
    "allowed-scope": ["openid", "profile"],       # scopes_supported in discovery
    "additional-parameters": [],
    "name-claim": "mandatory", "name-claim-scope": [],
    "email-claim": "no", "email-claim-scope": [],
    "scope-claim": "no", "scope-claim-scope": [],
    "claims": [
        {"name": "preferred_username", "user-property": "username", "type": "string", "mandatory": True, "on-demand": False, "scope": []},
        {"name": "scc_role", "user-property": "scc_role", "type": "string", "mandatory": True, "on-demand": False, "scope": []},
        {"name": "scc_urn", "user-property": "scc_urn", "type": "string", "mandatory": True, "on-demand": False, "scope": []},
    ],
    "address-claim": {"type": "no"},
    "pkce-allowed": True, "pkce-method-plain-allowed": False,
    # refuse /auth requests without code_challenge, so a client that forgets
    # PKCE fails its tests (TEST_PROVIDER_PKCE_REQUIRED=0 to relax)
    "pkce-required": os.environ.get("TEST_PROVIDER_PKCE_REQUIRED", "1") != "0",
    "pkce-required-public-client": False, "pkce-mandatory": False, "pkce-scopes": [],
    "introspection-revocation-allowed": False,
    "register-client-allowed": False,
    "session-management-allowed": False,
    "request-parameter-allow": False,
    "encrypt-out-token-allow": False,
    "oauth-dpop-allowed": False, "oauth-par-allowed": False, "oauth-rar-allowed": False,
    "oauth-ciba-allowed": False,
}
call(admin, "POST", "/mod/plugin/", {"module": "oidc", "name": PLUGIN,
                                     "display_name": "OpenID Connect", "parameters": params})

# 5. confidential client
call(admin, "POST", "/client/", {
    "client_id": CLIENT_ID, "name": "SCC console", "description": "sccd web console (tests)",
    "enabled": True, "confidential": True, "client_secret": client_secret,
    "redirect_uri": [redirect_uri],
    "authorization_type": ["code", "refresh_token"],
    "response_mode": "query",
    "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
    "scope": []})

# 6. users + pre-granted scopes (so no consent screen)
users = []
with open(users_file) as f:
    for n, line in enumerate(f, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 5:
            raise SystemExit(f"{users_file}:{n}: expected 'username password scc_role scc_urn display name...'")
        users.append(parts)
for username, password, role, urn, *name in users:
    u = {"username": username, "password": password, "name": " ".join(name),
         "email": "", "enabled": True, "scope": ["openid", "profile", "g_profile"],
         "scc_role": role}
    if urn != "-":
        u["scc_urn"] = urn
    call(admin, "POST", "/user/", u)
    us = session()
    call(us, "POST", "/auth/", {"username": username, "password": password})
    # glewlwyd 2.7 splits this list on spaces (API.md says commas: wrong)
    call(us, "PUT", f"/auth/grant/{CLIENT_ID}/", {"scope": "openid profile"})

# 7. replace the well-known default admin password with a random one
admin_password = secrets.token_hex(16)
adm = call(admin, "GET", "/user/admin")
adm["password"] = admin_password
for k in ("source", "last_login"):
    adm.pop(k, None)
call(admin, "PUT", "/user/admin", adm)
with open(os.path.join(workdir, "admin.env"), "w") as f:
    f.write(f"ADMIN_USERNAME=admin\nADMIN_PASSWORD={admin_password}\n")

# 8. discovery must work at <issuer>/.well-known/openid-configuration
with anon.open(issuer + "/.well-known/openid-configuration", timeout=10) as r:
    disc = json.load(r)
log(json.dumps(disc, indent=1)[:4000])
if disc.get("issuer") != issuer:
    raise SystemExit(f"discovery issuer {disc.get('issuer')!r} != {issuer!r}")
log("configured")
PY
  then
    echo "test_provider.sh: configuring glewlwyd failed; last lines of $workdir/configure.log:" >&2
    tail -n 15 "$workdir/configure.log" >&2 || true
    echo "--- $workdir/glewlwyd.log:" >&2
    tail -n 15 "$workdir/glewlwyd.log" >&2 2>/dev/null || true
    stop_server "$workdir"
    exit 1
  fi

  {
    echo "issuer=$issuer"
    echo "client_id=$CLIENT_ID"
    echo "client_secret=$client_secret"
  } >"$workdir/provider.env"
  cat "$workdir/provider.env"
}

case "${1:-}" in
  start) [ $# -eq 5 ] || usage; start_server "$2" "$3" "$4" "$5" ;;
  stop)  [ $# -eq 2 ] || usage; stop_server "$2" ;;
  *) usage ;;
esac

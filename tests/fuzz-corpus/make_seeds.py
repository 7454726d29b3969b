#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz (one folder per target). Signed seeds use the test secret
of tests/fuzz/support.rs; EdDSA seeds use the Ed25519 key whose private seed is 32 bytes of 7.
Run from anywhere: python3 tests/fuzz-corpus/make_seeds.py (needs the `cryptography` package)."""
import base64, hashlib, hmac, json, os
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = os.path.dirname(os.path.abspath(__file__))
SECRET = b"test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
OTHER = b"another-secret-0123456789-abcdefghijklmnopqrs"
TOKEN = "ajtbBAnifMnyOz0PiNxG2J7dfp3heGaF"
FAR = 4102444800
ISS = "http://localhost:3000"


def mac(msg, secret=SECRET, h=hashlib.sha256):
    return hmac.new(secret, msg.encode() if isinstance(msg, str) else msg, h).digest()


def signed(value, secret=SECRET):
    return value + "." + base64.b64encode(mac(value, secret)).decode()


def enc(s):  # encodeURIComponent
    return quote(s, safe="-_.!~*'()")


def b64u(b):
    return base64.urlsafe_b64encode(b if isinstance(b, bytes) else b.encode()).rstrip(b"=").decode()


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def jws(header, claims, sign):
    h = b64u(json.dumps(header, separators=(",", ":")) if not isinstance(header, (bytes, str)) else header)
    p = b64u(json.dumps(claims, separators=(",", ":")) if not isinstance(claims, (bytes, str)) else claims)
    return f"{h}.{p}.{b64u(sign((h + '.' + p).encode()))}"


C = "better-auth.session_token"
sig = signed(TOKEN)
cookies = {
    "contract.txt": f"a=b; {C}={enc(sig)}",
    "plain-signature.txt": f"{C}={sig}",
    "dont-remember.txt": f"{C}={enc(sig)}; better-auth.dont_remember={enc(signed('true'))}",
    "secure-prefix.txt": f"__Secure-{C}={enc(sig)}",
    "other-secret.txt": f"{C}={enc(signed(TOKEN, OTHER))}",
    "forged-value.txt": f"{C}={enc('admin.' + sig.split('.')[1])}",
    "urlsafe-signature.txt": f"{C}={TOKEN}.{base64.urlsafe_b64encode(mac(TOKEN)).decode()}",
    "unpadded-signature.txt": f"{C}={TOKEN}.{base64.b64encode(mac(TOKEN)).decode().rstrip('=')}",
    "overlong-signature.txt": f"{C}={enc(sig + 'AAAA')}",
    "double-encoded.txt": f"{C}={enc(enc(sig))}",
    "empty-value-signed.txt": f"{C}={enc(signed(''))}",
    "dotted-value.txt": f"{C}={enc(signed('a.b.c'))}",
    "unicode-value.txt": f"{C}={enc(signed('é𝕏‮'))}",
    "nul-value.txt": f"{C}={enc(signed('a' + chr(0) + 'b'))}",
    "raw-nul.txt": f"{C}=ab\0c.{base64.b64encode(mac('ab')).decode()}",
    "percent-ff.txt": f"{C}=%FF%FE.{enc(base64.b64encode(mac('x')).decode())}",
    "bad-percent.txt": f"{C}=%E0%A4%A.%%%",
    "invalid-utf8.bin": f"{C}=".encode() + b"\xff\xc3\x28." + base64.b64encode(mac("x")),
    "duplicates.txt": f"{C}=x; {C}={enc(sig)}; {C}=",
    "spaces.txt": f"  {C}  =  {enc(sig)}  ;",
    "quoted.txt": f'{C}="{enc(sig)}"',
    "separators-only.txt": ";;;=;= ; =;",
    "empty.txt": "",
    "many-cookies.txt": "; ".join(f"c{i}={i}" for i in range(400)) + f"; {C}={enc(sig)}",
    "huge-value.txt": f"{C}=" + "A" * 8000 + "." + "B" * 43 + "=",
}
for name, data in cookies.items():
    write("cookies", name, data)

bearer = {
    "raw-token.txt": f"Bearer {TOKEN}",
    "signed.txt": f"Bearer {sig}",
    "signed-encoded.txt": f"Bearer {enc(sig)}",
    "signed-urlsafe.txt": f"Bearer {TOKEN}.{base64.urlsafe_b64encode(mac(TOKEN)).decode()}",
    "signed-unpadded.txt": f"Bearer {TOKEN}.{b64u(mac(TOKEN))}",
    "lowercase-scheme.txt": f"bearer {sig}",
    "uppercase-scheme.txt": f"BEARER   {enc(sig)}   ",
    "other-secret.txt": f"Bearer {signed(TOKEN, OTHER)}",
    "truncated-signature.txt": f"Bearer {TOKEN}.{b64u(mac(TOKEN)[:16])}",
    "forged-value.txt": f"Bearer admin.{sig.split('.')[1]}",
    "jwt-shaped.txt": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
    "scheme-only.txt": "Bearer ",
    "no-space.txt": "Bearer",
    "tab.txt": f"Bearer\t{TOKEN}",
    "basic.txt": "Basic dXNlcjpwYXNzd29yZA==",
    "percent-garbage.txt": "Bearer %.%FF.%C3%28",
    "non-ascii-scheme.txt": "Beareré token.x",
    "nul.txt": f"Bearer {TOKEN}\0.{base64.b64encode(mac(TOKEN)).decode()}",
    "dots.txt": "Bearer .....",
    "huge.txt": "Bearer " + "a." * 4000 + "=",
}
for name, data in bearer.items():
    write("bearer", name, data)

key = Ed25519PrivateKey.from_private_bytes(bytes([7] * 32))
ok = {"sub": "u1", "exp": FAR, "iat": 1, "iss": ISS, "aud": ISS}
hs = {"alg": "HS256", "typ": "JWT"}
sha = lambda m: mac(m)
tokens = {
    "hs256-valid.txt": jws(hs, ok, sha),
    "hs256-expired.txt": jws(hs, {**ok, "exp": 1}, sha),
    "hs256-no-sub.txt": jws(hs, {"exp": FAR}, sha),
    "hs256-no-exp.txt": jws(hs, {"sub": "u1"}, sha),
    "hs256-exp-string.txt": jws(hs, {"sub": "u1", "exp": str(FAR)}, sha),
    "hs256-exp-huge.txt": jws(hs, b'{"sub":"u1","exp":1e400}', sha),
    "hs256-exp-overflow.txt": jws(hs, b'{"sub":"u1","exp":99999999999999999999999}', sha),
    "hs256-nbf-future.txt": jws(hs, {**ok, "nbf": FAR - 1}, sha),
    "hs256-duplicate-sub.txt": jws(hs, b'{"sub":"u1","sub":"admin","exp":4102444800}', sha),
    "hs256-sub-number.txt": jws(hs, {"sub": 1, "exp": FAR}, sha),
    "hs256-other-secret.txt": jws(hs, ok, lambda m: mac(m, OTHER)),
    "hs256-padded.txt": jws(hs, ok, sha) + "=",
    "hs256-nested-payload.txt": jws(hs, b'{"sub":"u1","exp":4102444800,"x":' + b"[" * 200 + b"]" * 200 + b"}", sha),
    "alg-none.txt": jws({"alg": "none"}, ok, lambda m: b""),
    "alg-None.txt": jws({"alg": "None", "typ": "JWT"}, ok, lambda m: b""),
    "hs384.txt": jws({"alg": "HS384"}, ok, lambda m: mac(m, h=hashlib.sha384)),
    "hs512.txt": jws({"alg": "HS512"}, ok, lambda m: mac(m, h=hashlib.sha512)),
    "rs256-hmac.txt": jws({"alg": "RS256"}, ok, sha),
    "eddsa-valid.txt": jws({"alg": "EdDSA", "kid": "k1"}, ok, key.sign),
    "eddsa-wrong-iss.txt": jws({"alg": "EdDSA", "kid": "k1"}, {**ok, "iss": "https://evil.example"}, key.sign),
    "eddsa-expired.txt": jws({"alg": "EdDSA", "kid": "k1"}, {**ok, "exp": 1}, key.sign),
    "eddsa-hmac-confusion.txt": jws({"alg": "EdDSA", "kid": "k1"}, ok, sha),
    "hs256-signed-with-public-key.txt": jws(hs, ok, lambda m: mac(m, b64u(key.public_key().public_bytes_raw()).encode())),
    "kid-traversal.txt": jws({"alg": "EdDSA", "kid": "../../etc/passwd' OR 1=1--"}, ok, key.sign),
    "jku-crit.txt": jws({"alg": "HS256", "jku": "https://evil.example/jwks", "crit": ["exp"]}, ok, sha),
    "two-parts.txt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9",
    "four-parts.txt": jws(hs, ok, sha) + ".AAAA",
    "empty-parts.txt": "..",
    "not-base64.txt": "e!y.J$h.b%G",
    "unicode.txt": "é.𝕏.‮",
    "nul.txt": "eyJhbGciOiJIUzI1NiJ9\0.eyJzdWIiOiJ1MSJ9.\0",
    "invalid-utf8-header.txt": f"{b64u(bytes([0xff, 0xfe]))}.{b64u(json.dumps(ok))}.AAAA",
    "huge-header.txt": jws({"alg": "HS256", "x": "A" * 6000}, ok, sha),
}
for name, data in tokens.items():
    write("jwt", name, data)

body = {
    "sign-up.txt": '{"name":"Ada","email":"ada@example.com","password":"correct horse","rememberMe":true}',
    "sign-in.txt": '{"email":"ada@example.com","password":"x","callbackURL":"/dashboard"}',
    "wrong-types.txt": '{"name":5,"email":"nope","password":"","rememberMe":"false","image":null}',
    "empty-object.txt": "{}",
    "array.txt": "[1,2,3]",
    "null.txt": "null",
    "string.txt": '"body"',
    "number.txt": "1e999",
    "huge-integer.txt": '{"name":99999999999999999999999999999999999999,"email":-0.0e-999999}',
    "deep-nesting.txt": "[" * 60000,
    "deep-object.txt": '{"a":' * 3000 + "1" + "}" * 3000,
    "nul-escaped.txt": '{"name":"a\\u0000b","email":"a\\u0000@b.co","password":"\\u0000"}',
    "nul-raw.bin": b'{"name":"a\x00b","email":"a@b.co","password":"p"}',
    "invalid-utf8.bin": b'{"name":"\xff\xfe","email":"a@b.co","password":"p"}',
    "lone-surrogate.txt": '{"name":"\\ud800","email":"\\udfff@b.co","password":"p"}',
    "bom.bin": b'\xef\xbb\xbf{"email":"a@b.co"}',
    "duplicate-keys.txt": '{"email":"a@b.co","email":5,"password":"p","name":"n"}',
    "trailing-garbage.txt": '{"email":"a@b.co"}x',
    "whitespace.txt": " \t\r\n ",
    "unicode-email.txt": '{"name":"é","email":"ü@exämple.com","password":"𝕏"}',
    "form.txt": "name=Ada&email=ada%40example.com&password=p&rememberMe=true",
    "form-repeated.txt": "email=a%40b.co&email=c%40d.co&password=&password=x",
    "form-hostile.txt": "%FF=%FE&a=%&=&&%00=%00&name=%C3%28&e%6dail=x+y",
    "long-string.txt": '{"name":"' + "n" * 60000 + '","email":"a@b.co","password":"p"}',
}
for name, data in body.items():
    write("body", name, data)

queries = {
    "empty.txt": "",
    "everything.txt": "status=completed&priority=high&tag=work&q=a%25b&sort=due_date&order=asc&limit=5&offset=10",
    "bad-values.txt": "status=done&priority=urgent&sort=name&order=up&limit=0&offset=-1",
    "limit-bounds.txt": "limit=500&limit=501&limit=1",
    "limit-zero.txt": "limit=0",
    "offset-negative.txt": "offset=-1",
    "offset-overflow.txt": "offset=9223372036854775808",
    "offset-max.txt": "offset=9223372036854775807",
    "signed-numbers.txt": "limit=%2B5&offset=+0",
    "float-limit.txt": "limit=1e2&offset=0.5",
    "leading-zeros.txt": "offset=00000000000000000000000001&limit=0005",
    "nul.txt": "status=%00&q=%00&tag=\0",
    "invalid-utf8.txt": "q=%FF%FE&%C3%28=1",
    "bad-percent.txt": "q=%&tag=%Z1&limit=%",
    "like-metacharacters.txt": "q=%25_%5C&tag=%5C",
    "empty-filters.txt": "tag=&q=&status=",
    "repeated.txt": "status=all&status=pending&status=done",
    "separators.txt": "&&&==&=&",
    "unicode.txt": "q=%F0%9D%95%8F%E2%80%AE&tag=é",
    "callback.txt": "token=abc&callbackURL=%2Fdashboard&token=def",
    "huge.txt": "q=" + "a" * 8000 + "&" + "x=1&" * 500,
}
for name, data in queries.items():
    write("list", name, data)

tasks = {
    "full.txt": '{"title":"Buy milk","description":"2 litres","completed":false,"priority":"high","tags":["home","errand"],"due_date":"2026-12-01T17:00:00Z"}',
    "minimal.txt": '{"title":"x"}',
    "server-owned.txt": '{"title":"x","id":9,"user_id":"someone-else","created_at":1,"updated_at":"x"}',
    "blank-title.txt": '{"title":"   "}',
    "long-title.txt": '{"title":"' + "é" * 201 + '"}',
    "long-description.txt": '{"title":"x","description":"' + "d" * 1001 + '"}',
    "many-tags.txt": '{"title":"x","tags":[' + ",".join(f'"t{i}"' for i in range(21)) + "]}",
    "bad-tags.txt": '{"title":"x","tags":["", " ", 5, null, ["nested"], "' + "t" * 51 + '"]}',
    "nulls.txt": '{"title":null,"description":null,"completed":null,"priority":null,"tags":null,"due_date":null}',
    "wrong-types.txt": '{"title":5,"description":[],"completed":"true","priority":"urgent","tags":"home","due_date":17}',
    "due-nanos.txt": '{"title":"x","due_date":"2026-12-01T17:00:00.123456789+14:00"}',
    "due-leap-second.txt": '{"title":"x","due_date":"2016-12-31T23:59:60.5Z"}',
    "due-far-future.txt": '{"title":"x","due_date":"9999-12-31T23:59:59.9999999-23:59"}',
    "due-far-past.txt": '{"title":"x","due_date":"0000-01-01T00:00:00.0000001+23:59"}',
    "due-invalid.txt": '{"title":"x","due_date":"2026-02-30T00:00:00Z"}',
    "nul.txt": '{"title":"a\\u0000b","description":"\\u0000","tags":["\\u0000"]}',
    "unicode.txt": '{"title":"‮𝕏\\ud800","tags":["\\ufeff"]}',
    "completion.txt": '{"completed":true}',
    "array.txt": "[]",
    "deep.txt": '{"title":' + "[" * 120 + "]" * 120 + "}",
    "huge-numbers.txt": '{"title":"x","completed":1e999}',
}
for name, data in tasks.items():
    write("task_input", name, data)

#!/usr/bin/env python3
"""Validates real answers of a running passport-vision against openapi/openapi.json.

Sends a success and error cases to every route (stdlib HTTP only), finds the documented
answer for the route, method and status, and validates the JSON body against its schema
(JSON Schema 2020-12, as OpenAPI 3.1 uses; the `jsonschema` package). An undocumented
status or a body that does not validate fails.

    python3 scripts/openapi_check.py http://127.0.0.1:8080 KREDIBEL_KEY USER PASSWORD
"""
import base64
import json
import pathlib
import sys
import urllib.error
import urllib.request

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPEC = json.loads((ROOT / "openapi/openapi.json").read_text())
REGISTRY = Registry().with_resource("urn:spec", Resource(SPEC, specification=DRAFT202012))
BASE, KEY, USER, PASSWORD = sys.argv[1:5]
checked = []


def call(method, path, template, body=None, ctype="application/json", headers=None):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req) as r:
            status, raw, rtype = r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, raw, rtype = e.code, e.read(), e.headers.get("Content-Type", "")
    if method.lower() not in SPEC["paths"][template]:
        # Methods a route does not take are 405 (in the API's error shape, which the
        # hostile suite checks); the document lists what routes take.
        assert status == 405, f"{method} {template}: {status}, not 405"
        checked.append(f"{method} {template} {status}")
        return status, raw
    answers = SPEC["paths"][template][method.lower()]["responses"]
    doc = answers.get(str(status))
    assert doc is not None, f"{method} {template}: status {status} is not documented"
    content = doc.get("content", {})
    if "application/json" in content:
        assert rtype.startswith("application/json"), f"{method} {template} {status}: {rtype}"
        value = json.loads(raw)
        schema = {"$ref": "urn:spec#" + content["application/json"]["schema"]["$ref"][1:]} \
            if "$ref" in content["application/json"]["schema"] else \
            {"$ref": "urn:spec#/paths/" + template.replace("~", "~0").replace("/", "~1")
             + f"/{method.lower()}/responses/{status}/content/application~1json/schema"}
        errors = list(Draft202012Validator(schema, registry=REGISTRY).iter_errors(value))
        assert not errors, f"{method} {template} {status}: {errors[0].message} at {list(errors[0].path)}"
    checked.append(f"{method} {template} {status}")
    return status, (json.loads(raw) if rtype.startswith("application/json") else raw)


page = base64.b64encode((ROOT / "fixtures/pages/td3_passport_portrait.png").read_bytes()).decode()
bearer = {"Authorization": f"Bearer {KEY}"}
call("GET", "/healthz", "/healthz")
call("GET", "/readyz", "/readyz")
call("GET", "/metrics", "/metrics")
call("GET", "/openapi.json", "/openapi.json")
K = "/v1/ocr/id/passport"
call("POST", K, K, {"image": page}, headers=bearer)
call("POST", K, K, {"image": "AAAA"})
call("POST", K, K, {"image": "AAAA", "cardDetect": "maybe"}, headers=bearer)
call("POST", K, K, {"image": "***"}, headers=bearer)
call("POST", K, K, {"image": base64.b64encode(b"hello").decode()}, headers=bearer)
call("GET", K, K, headers=bearer)
call("POST", "/v1/read", "/v1/read", (ROOT / "fixtures/pages/td3_passport.png").read_bytes(),
     "application/octet-stream", bearer)
call("POST", "/v1/read", "/v1/read", b"hello", "application/octet-stream", bearer)
call("POST", "/v1/read", "/v1/read", b"hello", "application/octet-stream")
L = "/api/v2/patrons/login"
_, login = call("POST", L, L, {"username": USER, "password": PASSWORD})
call("POST", L, L, {"username": USER, "password": "wrong"})
token, patron = login["id"], login["userId"]
I = "/api/v2/patrons/{patron_id}/identities"
_, ident = call("POST", f"/api/v2/patrons/{patron}/identities", I,
                {"type": "passport", "images": []}, headers={"Authorization": token})
call("POST", f"/api/v2/patrons/{patron}/identities", I, {"type": "library"}, headers={"Authorization": token})
_, up = call("POST", "/api/base64", "/api/base64", {"base64String": page, "mimetype": "image/png", "ttl": "10 mins"})
call("POST", "/api/base64", "/api/base64", {"base64String": "***"})
url = up["file"]["directURL"]
S = "/api/v2/snoops"
face = {"service": "Identity", "itemId": ident["id"], "accessToken": ident["accessToken"],
        "task": "faceExtraction", "essentials": {"url": url}}
_, snoop = call("POST", S, S, face)
call("POST", S, S, {**face, "itemId": "0123456789abcdef01234567"})
call("POST", S, S, {**face, "essentials": {}})
_, ident2 = call("POST", f"/api/v2/patrons/{patron}/identities", I,
                 {"type": "passport", "images": [url]}, headers={"Authorization": token})
call("POST", S, S, {"service": "Identity", "itemId": ident2["id"], "accessToken": ident2["accessToken"],
                    "task": "autoRecognition", "essentials": {}})
D = "/api/files/{id}/download/{name}"
call("GET", snoop["response"]["result"]["cropped"].replace(BASE, ""), D)
call("GET", "/api/files/1/download/x.png", D)
call("POST", "/api/base64strings/upload", "/api/base64strings/upload",
     f"base64string={page.replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}&mimetype=image%2Fpng".encode(),
     "application/x-www-form-urlencoded")
call("POST", "/api/files/upload", "/api/files/upload", b"{}", "application/json")
call("POST", f"/api/v2/patrons/logout?access_token={token}", "/api/v2/patrons/logout")
call("POST", "/api/v2/patrons/logout", "/api/v2/patrons/logout")
print(f"{len(checked)} answers valid against openapi/openapi.json")

#!/usr/bin/env python3
"""Writes openapi/openapi.json: the OpenAPI 3.1 description of every route, with request
and answer schemas and every error body, kept beside the Rust types it describes
(src/kredibel/response.rs, src/signzy/wire.rs, src/report.rs, src/native.rs). The service
serves it at GET /openapi.json; tests/openapi.rs checks that every route is in it, and
scripts/openapi_check.py validates real answers against it in CI.

    python3 scripts/openapi.py
"""
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props, required=None, extra=False):
    s = {"type": "object", "properties": props}
    s["required"] = list(props) if required is None else required
    if not extra:
        s["additionalProperties"] = False
    return s


S = {"type": "string"}
B = {"type": "boolean"}
N = {"type": "number"}
I = {"type": "integer"}
NS = {"type": ["string", "null"]}
arr = lambda s: {"type": "array", "items": s}  # noqa: E731

check = obj({"field": S, "value": S, "printed": S, "computed": {"type": ["integer", "null"]}, "ok": B}, extra=True)
schemas = {
    # Kredibel
    "KredibelRequest": obj({"image": S, "cardDetect": B, "passCardDetect": B, "flipImage": B,
                            "checkFlipImage": B, "key": S}, required=["image"]),
    "KredibelResponse": obj({"message": S, "data": obj({
        "id": S,
        "result": obj({"identityId": S, "indicator": S, "country": S, "countryCode": S, "fullName": S,
                       "nationality": S, "nationalityCode": S, "birthDate": S, "sex": S,
                       "personalNumber": S, "expirationDate": S, "surname": S, "givenNames": S,
                       "birthDateIso": NS, "expirationDateIso": NS}),
        "information": obj({"tilt": N, "cardDetected": B, "mirrored": B,
                            "quad": {"type": ["array", "null"], "items": arr(N)}}, required=["tilt", "cardDetected"]),
        "mrz": ref("MrzReport"),
    })}),
    "MrzReport": obj({"format": S, "lines": arr(S), "checks": arr(check), "valid": B, "confidence": N,
                      "repairs": arr({"type": "object"}), "violations": arr({"type": "object"})}, extra=True),
    "KredibelError": obj({"errors": obj({"errorId": S, "errorType": {"enum": [
        "invalid_base64_encoding", "invalid_image", "image_too_large", "card_not_found", "text_not_found",
        "invalid_document_type", "parsing_failed", "server_busy", "rate_limited", "timeout", "internal_error"]}}),
        "message": S}),
    "KredibelMessage": obj({"message": S}),
    "KredibelValidation": obj({"errors": {"type": "object", "additionalProperties": arr(S)},
                               "message": {"const": "Input payload validation failed."}}),
    # Signzy
    "SignzyError": obj({"error": obj({"name": S, "status": I, "statusCode": I, "message": S, "code": S})}),
    "LoginRequest": obj({"username": S, "email": S, "password": S}, required=["password"]),
    "LoginResponse": obj({"id": S, "ttl": I, "created": S, "userId": S}),
    "IdentityRequest": obj({"type": S, "email": S, "callbackUrl": S, "images": arr(S)}, required=["type"], extra=True),
    "IdentityResponse": obj({"type": S, "email": S, "callbackUrl": S, "images": arr(S),
                             "autoRecognition": arr({}), "verification": arr({}), "forgeryCheck": arr({}),
                             "accessToken": S, "id": S, "patronId": S},
                            required=["type", "images", "autoRecognition", "verification", "forgeryCheck",
                                      "accessToken", "id", "patronId"], extra=True),
    "SnoopRequest": obj({"service": S, "itemId": S, "itemID": S, "accessToken": S, "task": S,
                         "essentials": {"type": "object"}}, required=["service", "accessToken", "task"]),
    "SnoopResponse": obj({"service": S, "itemId": S, "task": S, "essentials": {"type": "object"},
                          "accessToken": S, "id": S, "response": {"oneOf": [
                              obj({"url": S, "id": I, "result": obj({"cropped": S})}),
                              obj({"files": arr(S), "id": I, "instance": obj({"id": S, "callbackUrl": NS}),
                                   "result": ref("PassportResult")}),
                          ]}}),
    "PassportResult": obj({"parentsGuardianName": S, "issueDate": S, "expiryDate": S, "birthDate": S,
                           "name": S, "country": arr(S), "nationality": S, "sex": S, "address": S,
                           "pincode": S, "passportNumber": S, "fileNumber": S, "placeOfBirth": S,
                           "placeOfIssue": S, "splitAddress": {"type": "object"}, "summary": {"type": "object"}}),
    "Base64Upload": obj({"base64String": S, "base64string": S, "mimetype": S, "ttl": S}, required=[]),
    "FormUpload": obj({"base64string": S, "mimetype": S, "ttl": S}, required=["base64string"]),
    "FileUpload": obj({"file": {"type": "string", "contentMediaType": "application/octet-stream"}, "ttl": S},
                      required=["file"]),
    "UploadResponse": obj({"file": obj({"id": I, "filetype": S, "size": I, "directURL": S, "protected": B})}),
    # Native
    "Report": obj({"file": S, "mrz": {"oneOf": [{"type": "null"}, ref("NativeMrz")]},
                   "fields": {"type": ["object", "null"]}, "document": obj({
                       "detected": B, "quad": {"type": ["array", "null"]},
                       "quad_from": {"enum": ["edges", "mrz", None]}, "tilt": N, "mirrored": B}),
                   "face": {"type": ["object", "null"], "properties": {
                       "box": {"type": "array", "items": N, "minItems": 4, "maxItems": 4},
                       "score": N, "found_on": {"enum": ["page", "image"]}}},
                   "error": {"oneOf": [{"type": "null"}, obj({"type": S, "message": S})]},
                   "elapsed_ms": N}),
    "NativeMrz": obj({"format": S, "lines": arr(S), "checks": arr(check), "valid": B, "confidence": N},
                     required=["format", "lines", "checks", "valid", "confidence"], extra=True),
    "NativeError": obj({"error": obj({"type": S, "message": S})}),
    "Health": obj({"status": S}),
    "Ready": obj({"status": S, "pool": obj({"size": I, "available": I, "queued": I})}),
    "NotFound": obj({"message": S}),
}


def json_body(name):
    return {"content": {"application/json": {"schema": ref(name)}}}


def answer(name, desc):
    return {"description": desc, **json_body(name)}


def errors(shape, codes):
    return {str(c): answer(shape, f"error ({c})") for c in codes}


def op(summary, tag, responses, body=None, security=None, params=()):
    o = {"summary": summary, "tags": [tag], "responses": responses}
    if body:
        o["requestBody"] = {"required": True, **body}
    if security is not None:
        o["security"] = security
    if params:
        o["parameters"] = list(params)
    return o


def path_param(name):
    return {"name": name, "in": "path", "required": True, "schema": S}


kredibel_errors = {
    "400": {"description": "validation, base64 or image error", "content": {"application/json": {"schema": {
        "oneOf": [ref("KredibelValidation"), ref("KredibelError")]}}}},
    "401": answer("KredibelMessage", "no or a wrong key"),
    "405": answer("KredibelMessage", "another method"),
    "413": answer("KredibelError", "image too large"),
    "422": answer("KredibelError", "no card, no text, not a passport, not parsable"),
    "431": answer("KredibelMessage", "headers over 32 kB"),
    "429": answer("KredibelError", "the key's rate limit (Retry-After; off by default)"),
    "503": answer("KredibelError", "every reader busy, or request bodies over their budget (Retry-After)"),
    "504": answer("KredibelError", "time limit"),
}
signzy_errors = errors("SignzyError", [400, 401, 404, 405, 413, 422, 429, 431, 503, 504, 507])
native_errors = {**errors("NativeError", [401, 404, 405, 429, 431, 503, 504]),
                 "400": {"description": "bad flags or body, or an image that does not decode (a report)",
                         "content": {"application/json": {"schema": {"oneOf": [ref("NativeError"), ref("Report")]}}}},
                 "413": {"description": "too large", "content": {"application/json": {"schema": {
                     "oneOf": [ref("NativeError"), ref("Report")]}}}}}
upload_answers = {"200": answer("UploadResponse", "stored"), **signzy_errors}
bearer = [{"kredibelKey": []}, {"kredibelKeyQuery": []}]
token = [{"signzyToken": []}, {"signzyTokenQuery": []}]

paths = {
    "/healthz": {"get": op("The process answers", "health", {"200": answer("Health", "alive")}, security=[])},
    "/readyz": {"get": op("Ready to serve (503 while shutting down)", "health", {
        "200": answer("Ready", "ready"), "503": answer("Ready", "shutting down")}, security=[])},
    "/metrics": {"get": op("Prometheus metrics", "health", {"200": {"description": "text exposition 0.0.4",
        "content": {"text/plain": {"schema": S}}}}, security=[])},
    "/openapi.json": {"get": op("This document", "health", {"200": {"description": "OpenAPI 3.1",
        "content": {"application/json": {"schema": {"type": "object"}}}}}, security=[])},
    "/docs": {"get": op("This document as a page, with a form to try each operation", "health", {
        "200": {"description": "HTML, self-contained", "content": {"text/html": {"schema": S}}}}, security=[])},
    "/v1/ocr/id/passport": {"post": op("Kredibel passport OCR", "kredibel",
        {"200": answer("KredibelResponse", "read"), **kredibel_errors}, json_body("KredibelRequest"), bearer)},
    "/v1/read": {"post": op("Read an image: the report of `read --json`", "native",
        {"200": answer("Report", "read, or a page without an MRZ (said in `error`)"), **native_errors},
        {"content": {"application/octet-stream": {"schema": {"type": "string", "contentMediaType": "image/*"}},
                     "multipart/form-data": {"schema": obj({"file": {"type": "string"}}, required=["file"])}}},
        bearer)},
    "/api/v2/patrons/login": {"post": op("Log in (Signzy)", "signzy",
        {"200": answer("LoginResponse", "a token"), **signzy_errors},
        {"content": {"application/json": {"schema": ref("LoginRequest")},
                     "application/x-www-form-urlencoded": {"schema": ref("LoginRequest")}}}, [])},
    "/api/v2/patrons/logout": {"post": op("Log out", "signzy",
        {"204": {"description": "the token no longer works"}, **signzy_errors}, security=token)},
    "/api/v2/patrons/{patron_id}/identities": {"post": op("Create an identity", "signzy",
        {"200": answer("IdentityResponse", "the identity"), **signzy_errors}, json_body("IdentityRequest"), token,
        [path_param("patron_id")])},
    "/api/v2/snoops": {"post": op("Run a task on an identity (faceExtraction, autoRecognition)", "signzy",
        {"200": answer("SnoopResponse", "the task's result"), **signzy_errors}, json_body("SnoopRequest"), [])},
    "/api/files/upload": {"post": op("Upload a file (multipart)", "signzy", upload_answers,
        {"content": {"multipart/form-data": {"schema": ref("FileUpload")}}}, [])},
    "/api/base64strings/upload": {"post": op("Upload base64 (form)", "signzy", upload_answers,
        {"content": {"application/x-www-form-urlencoded": {"schema": ref("FormUpload")},
                     "multipart/form-data": {"schema": ref("FormUpload")}}}, [])},
    "/api/base64": {"post": op("Upload base64 (JSON)", "signzy", upload_answers, json_body("Base64Upload"), [])},
}
download = op("A stored file, until its TTL runs out", "signzy", {
    "200": {"description": "the bytes", "content": {"image/jpeg": {"schema": S}, "image/png": {"schema": S},
                                                     "application/pdf": {"schema": S}}},
    **errors("SignzyError", [404, 405, 431, 503])}, security=[], params=[path_param("id"), path_param("name")])
paths["/api/files/{id}/download/{name}"] = {"get": download}
paths["/api/base64strings/{id}/download/{name}"] = {"get": download}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "passport-vision", "version": "0.1.0",
             "description": "Kredibel- and Signzy-compatible passport APIs and a native read. "
                            "Generated by scripts/openapi.py.",
             "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"}},
    "servers": [{"url": "http://127.0.0.1:8080"}],
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {
        "kredibelKey": {"type": "http", "scheme": "bearer"},
        "kredibelKeyQuery": {"type": "apiKey", "in": "query", "name": "key"},
        "signzyToken": {"type": "apiKey", "in": "header", "name": "Authorization"},
        "signzyTokenQuery": {"type": "apiKey", "in": "query", "name": "access_token"},
    }},
}
OUT.parent.mkdir(exist_ok=True)
OUT.write_text(json.dumps(doc, indent=1) + "\n")

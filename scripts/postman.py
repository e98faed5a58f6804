#!/usr/bin/env python3
"""Writes the Postman collection and environment under postman/ (v2.1 format).

The collection runs the Signzy flow end to end (login, identity, upload, faceExtraction,
the crop's download, autoRecognition, logout), Kredibel (a read, each error type, each
key placement) and /v1/read, with test scripts that check statuses and fields and chain
ids through variables. It carries the passport fixture as a JPEG in a collection
variable. Regenerate after changing this script:

    python3 scripts/postman.py
"""
import base64
import io
import json
import pathlib

from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "postman"


def jpeg_b64(name):
    img = Image.open(ROOT / "fixtures/pages" / name).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return base64.b64encode(buf.getvalue()).decode()


def request(name, method, path, body=None, headers=(), tests=(), raw_url=None, formdata=None):
    url = raw_url or "{{baseUrl}}" + path
    req = {
        "method": method,
        "header": [{"key": k, "value": v} for k, v in headers],
        "url": url,
    }
    if body is not None:
        req["body"] = {"mode": "raw", "raw": body, "options": {"raw": {"language": "json"}}}
        req["header"].append({"key": "Content-Type", "value": "application/json"})
    if formdata is not None:
        req["body"] = {"mode": "formdata", "formdata": formdata}
    return {
        "name": name,
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": list(tests)}}],
        "request": req,
    }


def status(code):
    return f'pm.test("status {code}", () => pm.response.to.have.status({code}));'


KEY = ("Authorization", "Bearer {{kredibelKey}}")
kredibel_error = lambda code, kind: [  # noqa: E731
    status(code),
    'const j = pm.response.json();',
    f'pm.test("errorType {kind}", () => pm.expect(j.errors.errorType).to.eql("{kind}"));',
    'pm.test("errorId and message", () => { pm.expect(j.errors.errorId).to.be.a("string"); pm.expect(j.message).to.be.a("string"); });',
]

kredibel = [
    request("read a passport", "POST", "/v1/ocr/id/passport", '{"image": "{{passportJpeg}}"}', [KEY], [
        status(200),
        'const d = pm.response.json().data;',
        'pm.test("document number", () => pm.expect(d.result.identityId).to.eql("XC5619260"));',
        'pm.test("name", () => pm.expect(d.result.fullName).to.eql("ORBITA STELLA"));',
        'pm.test("tilt and card", () => { pm.expect(d.information.tilt).to.be.a("number"); pm.expect(d.information.cardDetected).to.eql(true); });',
        'pm.test("MRZ valid", () => pm.expect(d.mrz.valid).to.eql(true));',
    ]),
    request("key in the query", "POST", "/v1/ocr/id/passport?key={{kredibelKey}}", '{"image": "{{passportJpeg}}"}', [], [status(200)]),
    request("key in the body", "POST", "/v1/ocr/id/passport", '{"image": "{{passportJpeg}}", "key": "{{kredibelKey}}"}', [], [status(200)]),
    request("no key: 401", "POST", "/v1/ocr/id/passport", '{"image": "AAAA"}', [], [
        status(401), 'pm.test("message", () => pm.expect(pm.response.json().message).to.be.a("string"));']),
    request("wrong key: 401", "POST", "/v1/ocr/id/passport", '{"image": "AAAA"}', [("Authorization", "Bearer wrong")], [status(401)]),
    request("validation: 400", "POST", "/v1/ocr/id/passport", '{"image": "AAAA", "cardDetect": "maybe"}', [KEY], [
        status(400),
        'pm.test("validation message", () => pm.expect(pm.response.json().message).to.eql("Input payload validation failed."));']),
    request("invalid base64: 400", "POST", "/v1/ocr/id/passport", '{"image": "***"}', [KEY], kredibel_error(400, "invalid_base64_encoding")),
    request("not an image: 400", "POST", "/v1/ocr/id/passport", '{"image": "aGVsbG8gd29ybGQ="}', [KEY], kredibel_error(400, "invalid_image")),
    request("no text: 422", "POST", "/v1/ocr/id/passport", '{"image": "{{blankJpeg}}"}', [KEY], kredibel_error(422, "text_not_found")),
    request("no card: 422", "POST", "/v1/ocr/id/passport", '{"image": "{{blankJpeg}}", "passCardDetect": false}', [KEY], kredibel_error(422, "card_not_found")),
    request("not a passport: 422", "POST", "/v1/ocr/id/passport", '{"image": "{{cardJpeg}}"}', [KEY], kredibel_error(422, "invalid_document_type")),
]

signzy = [
    request("login", "POST", "/api/v2/patrons/login", '{"username": "{{signzyUser}}", "password": "{{signzyPassword}}"}', [], [
        status(200),
        'const j = pm.response.json();',
        'pm.test("token and userId", () => { pm.expect(j.id).to.have.lengthOf(64); pm.expect(j.userId).to.have.lengthOf(24); });',
        'pm.collectionVariables.set("token", j.id);',
        'pm.collectionVariables.set("patronId", j.userId);',
    ]),
    request("wrong password: 401", "POST", "/api/v2/patrons/login", '{"username": "{{signzyUser}}", "password": "wrong"}', [], [
        status(401), 'pm.test("LOGIN_FAILED", () => pm.expect(pm.response.json().error.code).to.eql("LOGIN_FAILED"));']),
    request("create an identity", "POST", "/api/v2/patrons/{{patronId}}/identities",
            '{"type": "passport", "email": "a@example.com", "callbackUrl": "https://example.com/cb", "images": []}',
            [("Authorization", "{{token}}")], [
        status(200),
        'const j = pm.response.json();',
        'pm.test("itemId and accessToken", () => { pm.expect(j.id).to.have.lengthOf(24); pm.expect(j.accessToken).to.be.a("string"); pm.expect(j.patronId).to.eql(pm.collectionVariables.get("patronId")); });',
        'pm.collectionVariables.set("itemId", j.id);',
        'pm.collectionVariables.set("accessToken", j.accessToken);',
    ]),
    request("upload the page", "POST", "/api/base64", '{"base64String": "{{passportJpeg}}", "mimetype": "image/jpeg", "ttl": "10 mins"}', [], [
        status(200),
        'const f = pm.response.json().file;',
        'pm.test("directURL", () => { pm.expect(f.directURL).to.include("/api/files/"); pm.expect(f.filetype).to.eql("image/jpeg"); });',
        'pm.collectionVariables.set("pageUrl", f.directURL);',
    ]),
    request("faceExtraction", "POST", "/api/v2/snoops",
            '{"service": "Identity", "itemId": "{{itemId}}", "accessToken": "{{accessToken}}", "task": "faceExtraction", "essentials": {"url": "{{pageUrl}}"}}', [], [
        status(200),
        'const j = pm.response.json();',
        'pm.test("echo and crop", () => { pm.expect(j.itemId).to.eql(pm.collectionVariables.get("itemId")); pm.expect(j.response.result.cropped).to.include("/api/files/"); });',
        'pm.collectionVariables.set("cropUrl", j.response.result.cropped);',
    ]),
    request("download the crop", "GET", "", raw_url="{{cropUrl}}", tests=[
        status(200),
        'pm.test("a JPEG", () => pm.expect(pm.response.headers.get("Content-Type")).to.eql("image/jpeg"));',
    ]),
    request("wrong accessToken: 401", "POST", "/api/v2/snoops",
            '{"service": "Identity", "itemId": "{{itemId}}", "accessToken": "wrong", "task": "faceExtraction", "essentials": {"url": "{{pageUrl}}"}}', [], [status(401)]),
    request("identity with images", "POST", "/api/v2/patrons/{{patronId}}/identities",
            '{"type": "passport", "images": ["{{pageUrl}}"]}', [("Authorization", "{{token}}")], [
        status(200),
        'const j = pm.response.json();',
        'pm.collectionVariables.set("itemId2", j.id);',
        'pm.collectionVariables.set("accessToken2", j.accessToken);',
    ]),
    request("autoRecognition", "POST", "/api/v2/snoops",
            '{"service": "Identity", "itemId": "{{itemId2}}", "accessToken": "{{accessToken2}}", "task": "autoRecognition", "essentials": {}}', [], [
        status(200),
        'const r = pm.response.json().response.result;',
        'pm.test("passport fields", () => { pm.expect(r.passportNumber).to.eql("XC5619260"); pm.expect(r.name).to.eql("STELLA ORBITA"); pm.expect(r.birthDate).to.eql("19/11/1956"); });',
    ]),
    request("logout", "POST", "/api/v2/patrons/logout?access_token={{token}}", None, [], [status(204)]),
    request("token ended: 401", "POST", "/api/v2/patrons/{{patronId}}/identities", '{"type": "passport"}', [("Authorization", "{{token}}")], [status(401)]),
]

native = [
    request("read a file", "POST", "/v1/read?key={{kredibelKey}}", formdata=[
        {"key": "file", "type": "file", "src": "fixtures/pages/td3_passport.png"}], tests=[
        status(200),
        'const j = pm.response.json();',
        'pm.test("MRZ lines", () => { pm.expect(j.mrz.format).to.eql("TD3"); pm.expect(j.mrz.valid).to.eql(true); });',
    ]),
    request("no key: 401", "POST", "/v1/read", formdata=[
        {"key": "file", "type": "file", "src": "fixtures/pages/td3_passport.png"}], tests=[
        status(401), 'pm.test("error type", () => pm.expect(pm.response.json().error.type).to.eql("unauthorized"));']),
]

collection = {
    "info": {
        "name": "passport-vision",
        "description": "Kredibel passport OCR, Signzy face extraction and the native read, against a passport-vision server. Generated by scripts/postman.py.",
        "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    },
    "item": [
        {"name": "Kredibel", "item": kredibel},
        {"name": "Signzy", "item": signzy},
        {"name": "Native", "item": native},
    ],
    "variable": [
        {"key": "passportJpeg", "value": jpeg_b64("td3_passport_portrait.png")},
        {"key": "cardJpeg", "value": jpeg_b64("td1_card.png")},
        {"key": "blankJpeg", "value": jpeg_b64("blank_page.png")},
    ],
}
environment = {
    "name": "passport-vision local",
    "values": [
        {"key": "baseUrl", "value": "http://127.0.0.1:8080", "enabled": True},
        {"key": "kredibelKey", "value": "pv-dev-kredibel-key", "enabled": True},
        {"key": "signzyUser", "value": "pv-dev", "enabled": True},
        {"key": "signzyPassword", "value": "pv-dev-password", "enabled": True},
    ],
    "_postman_variable_scope": "environment",
}
OUT.mkdir(exist_ok=True)
(OUT / "passport-vision.postman_collection.json").write_text(json.dumps(collection, indent=1) + "\n")
(OUT / "local.postman_environment.json").write_text(json.dumps(environment, indent=1) + "\n")

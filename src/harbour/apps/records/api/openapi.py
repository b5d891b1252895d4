"""The OpenAPI document, built from the same forms the API validates with, so the two
cannot disagree."""

from __future__ import annotations

from typing import Any

from django import forms as djforms

from harbour.apps.records import forms, ops

_ERRORS = {
    "description": "refused: 400 bad input, 409 a safeguarding rule (e.g. a flowchart step missing)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
}
_NOT_FOUND = {"description": "not found, or not yours to see (the two are not told apart)"}


def _field_schema(field: djforms.Field) -> dict[str, Any]:
    if isinstance(field, djforms.MultipleChoiceField):
        return {
            "type": "array",
            "items": {"type": "string", "enum": [str(k) for k, _ in field.choices]},
        }
    if isinstance(field, djforms.ChoiceField):
        # a required choice's blank "choose" entry is not a value the API accepts
        values = [k for k, _ in field.choices if k != "" or not field.required]
        return {
            "type": "integer" if values and isinstance(values[0], int) else "string",
            "enum": values or None,
        }
    if isinstance(field, djforms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, djforms.IntegerField):
        return {"type": "integer"}
    if isinstance(field, djforms.DateTimeField):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, djforms.DateField):
        return {"type": "string", "format": "date"}
    if isinstance(field, djforms.FileField):
        return {"type": "string", "format": "binary"}
    if isinstance(field, forms.PeopleField):
        return {"type": "array", "items": {"type": "string"}, "description": "ids or usernames"}
    return {"type": "string"}


def form_schema(form_class: type[djforms.Form]) -> dict[str, Any]:
    """A JSON schema of a form's fields."""
    form = form_class()
    props = {}
    for name, field in form.fields.items():
        prop = {k: v for k, v in _field_schema(field).items() if v is not None}
        if field.label:
            prop["title"] = str(field.label)
        props[name] = prop
    required = [name for name, field in form.fields.items() if field.required]
    return {"type": "object", "properties": props, "required": required}


def _post(
    summary: str, form_class: type[djforms.Form], ok: str, multipart: bool = False
) -> dict[str, Any]:
    media = "multipart/form-data" if multipart else "application/json"
    return {
        "post": {
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {media: {"schema": form_schema(form_class)}},
            },
            "responses": {
                ok: {
                    "description": "the record after the change",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Record"}}
                    },
                },
                "400": _ERRORS,
                "409": _ERRORS,
                "404": _NOT_FOUND,
                "401": {
                    "description": "sign in first, or (DSL, deputies, headteacher) pass the "
                    "second factor at /2fa/ in this session; the error names which"
                },
            },
        }
    }


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for /api/records/."""
    pk = {"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}
    target = {"name": "target", "in": "path", "required": True, "schema": {"type": "integer"}}
    paths: dict[str, Any] = {
        "/api/records/": {
            "get": {
                "summary": "Records you may see (reporters: your own reports)",
                "responses": {"200": {"description": "summaries"}, "404": _NOT_FOUND},
            },
            **_post("Report a concern, incident or allegation", forms.ReportForm, "201"),
        },
        "/api/records/{pk}/": {
            "get": {
                "summary": "One record (audited as a read)",
                "parameters": [pk],
                "responses": {"200": {"description": "the record"}, "404": _NOT_FOUND},
            }
        },
        "/api/records/{pk}/evidence/{target}/": {
            "get": {
                "summary": "Download an evidence file (custody event recorded)",
                "parameters": [pk, target],
                "responses": {
                    "200": {"description": "the file"},
                    "404": _NOT_FOUND,
                    "409": _ERRORS,
                },
            }
        },
        "/api/records/figures/": {
            "get": {
                "summary": "Anonymised counts for governors",
                "responses": {"200": {"description": "counts"}},
            }
        },
    }
    for name, op in ops.OPERATIONS.items():
        path = f"/api/records/{{pk}}/{name}/" + ("{target}/" if op.target else "")
        item = _post(op.summary, op.form, "200", multipart=name == "evidence")
        item["post"]["parameters"] = [pk, target] if op.target else [pk]
        paths[path] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "Harbour safeguarding records", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "sessionid",
                    "description": "sign in at /login/ (and /2fa/ for DSL, "
                    "deputies and headteacher); send X-CSRFToken on POST",
                }
            },
            "schemas": {
                "Errors": {
                    "type": "object",
                    "properties": {
                        "errors": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        }
                    },
                },
                "Record": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "status": {"type": "string"}},
                },
            },
        },
        "security": [{"session": []}],
    }

"""The notation of the API's answer schemas (projectmgr/api/answers/shapes.py) reads into JSON Schema."""

import pytest

from projectmgr.api.answers.shapes import SCALARS, extend, obj, page

STR, INT = SCALARS["str"], SCALARS["int"]


def test_every_field_is_required_unless_marked_as_may_be_absent():
    assert obj("id:int note?:str") == {"type": "object", "properties": {"id": INT, "note": STR}, "required": ["id"]}


def test_a_question_mark_after_the_type_allows_null():
    assert obj("note:str?")["properties"]["note"] == {"anyOf": [STR, {"type": "null"}]}


def test_arrays_inline_objects_choices_and_named_schemas():
    item = obj("id:int")
    schema = obj("tags:[str] box:{id:int size?:int} kind:a|b items:[item]?", item=item)["properties"]
    assert schema["tags"] == {"type": "array", "items": STR}
    assert schema["box"] == {"type": "object", "properties": {"id": INT, "size": INT}, "required": ["id"]}
    assert schema["kind"] == {"type": "string", "enum": ["a", "b"]}
    assert schema["items"] == {"anyOf": [{"type": "array", "items": item}, {"type": "null"}]}


def test_extend_and_page_add_fields_after_the_base():
    assert extend(obj("id:int"), "rank?:int") == obj("id:int rank?:int")
    assert page(STR, "unread:int") == obj("items:[str] total:int page:int per_page:int unread:int")


@pytest.mark.parametrize("spec", ["id:integer", "id int", "id:[int", "box:{id:int", "id:int id:str", "id:int }"])
def test_a_spec_that_does_not_read_is_refused(spec):
    with pytest.raises(ValueError):
        obj(spec)

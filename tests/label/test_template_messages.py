"""Every label text a built-in template prints has a message in every shipped catalogue, so
no raw message key (such as ``rule_set_name``) ever reaches a printed label."""

from __future__ import annotations

import pytest

from cfl.label.templates import builtin_template_names, load_messages, load_template


@pytest.mark.parametrize("name", builtin_template_names())
def test_field_list_labels_have_messages(name: str) -> None:
    template = load_template(name)
    messages = load_messages()
    for element in template.elements:
        if element.kind != "field-list":
            continue
        for field in element.props["fields"]:
            for lang in element.props.get("labels", ["en"]):
                text = messages.get(str(field), str(lang), "")
                assert text and text != field, (name, field, lang)

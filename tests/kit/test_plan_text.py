"""A render plan's texts are filled in by joining their pieces (`twins.kit.creates.Text`): the same
text as putting each value where its stand-in was."""

from __future__ import annotations

from twins.kit.creates import Text, stand_in

HOLES = [stand_in(0, True), stand_in(1, False), stand_in(2, False)]


def replaced(text: str, values: list[str]) -> str:
    for hole, value in zip(HOLES, values, strict=True):
        text = text.replace(hole, value)
    return text


def test_filling_puts_each_value_where_its_stand_in_was() -> None:
    values = ["1234", "abc", "2026-12-07T23:00:00Z"]
    for text in [
        f'{{"url":"/issues/{HOLES[0]}","number":{HOLES[0]},"at":"{HOLES[2]}","x":"{HOLES[1]}"}}',
        f"{HOLES[0]}{HOLES[1]}",  # stand-ins at both ends and side by side
        "no stand-in {0} {{}} here",  # braces are text, never fields
        "",
    ]:
        assert Text(text, HOLES).fill(values) == replaced(text, values)

"""Re-reading a line's doubtful words (engine/local/ocr/splice.py): the units on made-up
readings; tests/test_ocr_cascade.py runs it on the real recognisers."""

from __future__ import annotations

import numpy as np

from imagelens.engine.local.ocr.recognise import Reading
from imagelens.engine.local.ocr.splice import Span, doubtful_spans, splice, window

# The line crops the made-up readings lie on: (height, width).
SIZE = (100, 300)


def _reading(text: str, *, pitch: float = 10.0, start: float = 5.0, low: str = "") -> Reading:
    """Characters ``pitch`` px apart; those at the positions marked "?" in ``low`` unsure."""
    lows = tuple(0.5 if k < len(low) and low[k] == "?" else 1.0 for k in range(len(text)))
    return Reading(
        text=text,
        probs=tuple(0.99 for _ in text),
        at=tuple(start + pitch * k for k in range(len(text))),
        lows=lows,
    )


def test_a_doubtful_word_is_its_own_span_between_the_spaces_around_it() -> None:
    #                   0123456789012345
    line = _reading("pay 12.5O by card", low="      ?")
    (span,) = doubtful_spans(line, SIZE, below=0.95) or []
    assert (span.after, span.before) == (35.0, 95.0)  # the spaces at 3 and 9
    assert span.holds(45.0) and not span.holds(35.0) and not span.holds(95.0)


def test_next_doubtful_words_make_one_span_and_the_ends_run_to_the_line_ends() -> None:
    line = _reading("Tota1 arnount due 4 items", low="?     ?                 ?")
    spans = doubtful_spans(line, SIZE, below=0.95) or []
    assert [(s.after, s.before) for s in spans] == [(None, 135.0), (195.0, None)]


def test_the_whole_line_is_read_again_when_that_is_what_is_doubtful() -> None:
    assert doubtful_spans(_reading("all sure here"), SIZE, below=0.95) is None
    assert doubtful_spans(_reading("two w?rds", low="     ?"), SIZE, below=0.95) is None
    assert doubtful_spans(_reading("eve ry one", low="?   ?  ?"), SIZE, below=0.95) is None
    assert doubtful_spans(Reading("no positions", (0.5,) * 12), SIZE, below=0.95) is None


def test_a_stretch_read_as_nothing_sends_the_whole_line_on() -> None:
    """A word in a script the recogniser lacks reads as nothing: the whole line goes on."""
    line = _reading("pay 12.5O by card", low="      ?")
    unread = Reading(line.text, line.probs, tuple(x + 210 for x in line.at), line.lows)
    assert doubtful_spans(unread, (100, 500), below=0.95) is None
    assert doubtful_spans(line, (100, 500), below=0.95) is None  # nothing after "card"
    assert doubtful_spans(line, (100, 300), below=0.95) is not None


def test_splice_keeps_only_what_the_second_reading_placed_inside_the_span() -> None:
    line = _reading("pay 12.5O by card", low="      ?")
    (span,) = doubtful_spans(line, SIZE, below=0.95) or []
    # The window began at x=20; its reading holds a piece of "pay" and of "by" too.
    again = Reading(
        "y 12.50 b",
        (0.9,) * 9,
        at=(0.0, 12.0, 22.0, 32.0, 42.0, 52.0, 62.0, 72.0, 80.0),
        lows=(0.9,) * 9,
    )
    out = splice(line, [(span, again, 20)])
    assert out is not None
    assert out.text == "pay 12.50 by card"
    assert len(out.probs) == len(out.at) == len(out.lows) == len(out.text)
    assert list(out.at) == sorted(out.at)


def test_the_span_ends_snap_to_the_second_readings_own_spaces() -> None:
    """The first reading's space fell on the colon ("Date: 14" read "0a5e 14"): the second
    reading's own space, within a character's pitch, is where the span ends."""
    line = _reading("0a5e 14/03 10:42", low="??")
    (span,) = doubtful_spans(line, SIZE, below=0.95) or []
    assert span.before == 45.0
    again = Reading("Date: 1", (0.9,) * 7, at=(5, 15, 25, 35, 45, 52, 60), lows=(0.9,) * 7)
    assert (splice(line, [(span, again, 0)]) or line).text == "Date: 14/03 10:42"


def test_a_window_reaches_past_its_span_and_is_never_shorter_than_four_heights() -> None:
    crop = np.zeros((20, 400, 3), dtype=np.uint8)
    cut, left = window(crop, Span(after=100.0, before=300.0))
    assert (left, cut.shape[1]) == (90, 220)  # half a height each side
    cut, left = window(crop, Span(after=200.0, before=210.0))
    assert (left, cut.shape[1]) == (165, 80)  # four heights around a short word
    cut, left = window(crop, Span(after=None, before=30.0))
    assert (left, cut.shape[1]) == (0, 55)  # cut at the line's start


def test_a_span_the_second_reading_left_bare_sends_the_whole_line_on() -> None:
    """It read far less than the first there: another script, or a bad cut."""
    line = _reading("pay 12.5O by card", low="      ?")
    spans = doubtful_spans(line, SIZE, below=0.95) or []
    blank = Reading("  ", (0.9, 0.9), at=(3.0, 40.0), lows=(0.9, 0.9))
    assert splice(line, [(spans[0], blank, 20)]) is None
    assert splice(line, [(spans[0], Reading("", ()), 20)]) is None
    two = Reading(" 1. ", (0.9,) * 4, at=(10.0, 22.0, 32.0, 45.0), lows=(0.9,) * 4)
    assert splice(line, [(spans[0], two, 20)]) is None  # 2 of 5 characters
    three = Reading(" 1.5 ", (0.9,) * 5, at=(10.0, 22.0, 32.0, 40.0, 45.0), lows=(0.9,) * 5)
    assert (splice(line, [(spans[0], three, 20)]) or line).text == "pay 1.5 by card"


def test_two_spans_on_one_line_are_each_replaced_once() -> None:
    line = _reading("Tota1 arnount due 4 items", low="?                      ?")
    first, last = doubtful_spans(line, SIZE, below=0.95) or []
    head = Reading("Total d", (0.9,) * 7, at=(5, 15, 25, 35, 45, 60, 70), lows=(0.9,) * 7)
    tail = Reading("4 items", (0.9,) * 7, at=(0, 10, 20, 30, 40, 50, 60), lows=(0.9,) * 7)
    out = splice(line, [(last, tail, 185), (first, head, 0)])
    assert out is not None and out.text == "Total arnount due 4 items"


def test_a_span_is_never_narrowed_to_the_second_readings_stray_space() -> None:
    """Narrowed, the characters between would be dropped from both readings."""
    line = _reading("pay 12.5O by card", low="      ?")
    (span,) = doubtful_spans(line, SIZE, below=0.95) or []
    # "pay1 2.50": its space fell inside the span, one character in.
    again = Reading("y1 2.50", (0.9,) * 7, at=(5, 18, 23, 28, 38, 48, 58), lows=(0.9,) * 7)
    out = splice(line, [(span, again, 20)])
    assert out is not None and "1" in out.text and "2.50" in out.text, out


def test_a_window_for_a_place_past_the_crops_end_is_never_empty() -> None:
    crop = np.zeros((20, 400, 3), dtype=np.uint8)
    cut, left = window(crop, Span(after=420.0, before=None))
    assert cut.shape[1] >= 1 and left < 400


def test_the_decoder_places_characters_and_sees_an_unsure_repeat() -> None:
    """CTC over 6 steps: "a a _ a b _" is "aab"; the second step of the first "a" was
    unsure (0.6), so that character's low is 0.6 though its first step was sure."""
    from imagelens.engine.local.ocr.recognise import Recogniser

    decoder = Recogniser.__new__(Recogniser)
    decoder._chars = ["", "a", "b", " "]  # blank first, as in the models' dictionaries
    row = np.full((6, 4), 0.01, dtype=np.float32)
    for step, (index, p) in enumerate(
        [(1, 0.9), (1, 0.6), (0, 0.9), (1, 0.95), (2, 0.8), (0, 0.9)]
    ):
        row[step, index] = p
    reading = decoder._decode(row, step=8.0)
    assert reading.text == "aab"
    assert reading.at == (4.0, 28.0, 36.0)  # the middle of each character's first step
    assert reading.lows == (0.6, 0.95, 0.8)
    assert reading.probs == (0.9, 0.95, 0.8)
    empty = decoder._decode(np.eye(4, dtype=np.float32)[[0, 0, 0]], step=8.0)
    assert (empty.text, empty.at, empty.lows) == ("", (), ())


def test_a_spliced_line_never_holds_two_spaces_in_a_row() -> None:
    line = _reading("a  b12 c d e", low="    ?")  # the first reading's own double space
    (span,) = doubtful_spans(line, SIZE, below=0.95) or []
    again = Reading(" b1Z ", (0.9,) * 5, at=(22.0, 36.0, 44.0, 52.0, 62.0), lows=(0.9,) * 5)
    out = splice(line, [(span, again, 0)])
    assert out is not None and "  " not in out.text and "b1Z" in out.text, out

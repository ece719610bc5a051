"""Live fragments drawn again from an earlier render of the same shape.

A message or a step costs Django's template engine 0.2-0.5 ms to render (hundreds of
nodes, lookups and translations): most of what a message costs the server. Yet the
fragments of a conversation differ mostly in a few values: their ids, their text, the
HTML of their text, when they were written. So a fragment is rendered once for its
*shape* (its context with those values swapped for placeholders) and every later
fragment of that shape is the same output with the placeholders replaced by its own
values. The template stays the one source of the markup; this only skips running it again.

Why the output is the template's own:
- the shape is everything else in the context (every value, a model's fields and what it
  has cached included) and the language: the template reads nothing that is not in it;
- a placeholder is trusted only if the template passes it through untouched. Each shape
  is rendered twice, with two sets of placeholders (of different lengths and words, one
  with a line break); it is kept only if the renders differ by the placeholders alone. A
  template that formats, filters, measures or compares one of those values shows it there,
  and its fragments are then rendered in full each time;
- a text goes in escaped where the template escaped it and as it is where the template
  marked it safe (the placeholders hold a `<`, so the two are told apart).
What two placeholders cannot show is a template comparing a text with one fixed value
(`{% if text == "yes" %}`): the texts named here are the ones the partials show, never test
beyond being empty or not (which is part of the shape).
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from typing import Any

from django.core.signals import setting_changed
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

# Shapes kept; a conversation has a handful (its user's message, an answer, a running and
# an ended step of each kind), so this holds many conversations at a few KiB each.
MAX_SHAPES = 2048

_token = uuid.uuid4().hex[:10]
# Two sets: a shape is learnt by rendering with both (see the module's docstring).
_IDS = ([uuid.uuid4() for _ in range(4)], [uuid.uuid4() for _ in range(4)])
_ID_TEXTS = tuple([str(i) for i in ids] for ids in _IDS)
_TEXTS = (
    [f"zq{_token}a{i}<" for i in range(8)],
    [f"Wq{_token}b{i} x\ny<" for i in range(8)],
)
_WHEN = (datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC), datetime(2012, 11, 10, 9, 8, 7, tzinfo=UTC))
# Values the template must not depend on at all: they are replaced by these constants.
_OPAQUE = ("#opaque-1", "#opaque-two, longer")


class _Unshaped(Exception):
    """A value that cannot be part of a shape's key: the fragment is rendered in full."""


class _Slots:
    """The values taken out of one fragment's context, and their placeholders."""

    def __init__(
        self,
        ids: list[Any],
        texts: dict[tuple, int],
        opaque: frozenset[str],
        which: int,
        tree: dict[Any, Any] | None = None,
    ) -> None:
        self.which = which
        self.id_map: dict[Any, uuid.UUID] = {}
        self.id_strings: list[tuple[str, str]] = []
        for real, placeholder, text in zip(ids, _IDS[which], _ID_TEXTS[which], strict=False):
            real_text = str(real)
            self.id_map[real if type(real) is uuid.UUID else uuid.UUID(real_text)] = placeholder
            self.id_strings.append((real_text, text))
        self.tree = _tree(tuple(texts)) if tree is None else tree
        self.texts = texts
        self.opaque = opaque


@functools.lru_cache(maxsize=64)
def _tree(texts: tuple[tuple, ...]) -> dict[Any, Any]:
    """The text paths as a tree ({"item": {"html": ("item", "html")}}): each level of the
    context looks up its own keys only."""
    tree: dict[Any, Any] = {}
    for path in texts:
        level = tree
        for part in path[:-1]:
            level = level.setdefault(part, {})
        level[path[-1]] = path
    return tree


def _text_paths(texts: Iterable[tuple]) -> dict[tuple, int]:
    return {path: i for i, path in enumerate(texts)}


@functools.lru_cache(maxsize=64)
def _prepared(
    texts: tuple[tuple, ...], opaque: tuple[str, ...]
) -> tuple[dict[tuple, int], tuple[tuple, ...], dict[Any, Any], frozenset[str]]:
    """What a render makes of its `texts` and `opaque` (the same few tuples each time):
    the paths' numbers, the paths, their tree, the fields. Read only."""
    paths = _text_paths(texts)
    return paths, tuple(paths), _tree(tuple(paths)), frozenset(opaque)


_NO_TEXTS: dict[Any, Any] = {}
_SCALARS = (bool, int, float, type(None))


class _Canon:
    """The context with its slots swapped for placeholders, and the shape's key."""

    def __init__(self, slots: _Slots) -> None:
        self.slots = slots
        self.taken: dict[tuple, Any] = {}
        # The models being walked: related objects can lead back to one (an element's
        # cached step whose prefetched elements hold that element).
        self.walking: set[int] = set()

    def text(self, path: tuple, value: Any) -> tuple[Any, Any]:
        self.taken[path] = value
        if not value:
            return value, (str, "")
        placeholder = _TEXTS[self.slots.which][self.slots.texts[path]]
        if isinstance(value, SafeData):
            return mark_safe(placeholder), ("text", SafeData)  # noqa: S308
        return placeholder, ("text", str)

    def value(self, value: Any, tree: dict[Any, Any]) -> tuple[Any, Any]:
        kind = type(value)
        if kind in _SCALARS:
            return value, (kind, value)
        if isinstance(value, str):
            for real, placeholder in self.slots.id_strings:
                if real in value:
                    replaced = value.replace(real, placeholder)
                    value = mark_safe(replaced) if isinstance(value, SafeData) else replaced  # noqa: S308
            return value, (kind, value)
        if kind is dict:
            out, key = {}, []
            for k, v in value.items():
                sub = tree.get(k, _NO_TEXTS) if tree else _NO_TEXTS
                if type(sub) is tuple:
                    out[k], frozen = self.text(sub, v) if isinstance(v, str) else self.value(v, {})
                else:
                    out[k], frozen = self.value(v, sub)
                key.append((k, frozen))
            return out, (dict, tuple(key))
        if kind is list or kind is tuple:
            pairs = [self.value(v, _NO_TEXTS) for v in value]
            return kind(p[0] for p in pairs), (kind, tuple(p[1] for p in pairs))
        if isinstance(value, uuid.UUID):
            value = self.slots.id_map.get(value, value)
            return value, (uuid.UUID, value)
        if isinstance(value, datetime):
            return _WHEN[self.slots.which], datetime
        if isinstance(value, Model):
            return self.model(value, tree)
        if isinstance(value, dict | list | tuple):  # their subclasses
            return self.value(kind.__base__(value), tree)  # type: ignore[call-arg]
        if hasattr(value, "_result_cache"):  # a prefetched queryset
            if value._result_cache is None:
                raise _Unshaped
            return self.value(list(value._result_cache), _NO_TEXTS)
        try:
            hash(value)
        except TypeError:
            raise _Unshaped from None
        return value, (kind, value)

    def key(self, value: Any, tree: dict[Any, Any]) -> Any:
        """`self.value(value, tree)[1]` without the copy: what a render whose shape is
        known already needs (its key, and its texts in `taken`)."""
        kind = type(value)
        if kind in _SCALARS:
            return kind, value
        if kind is str:
            for real, placeholder in self.slots.id_strings:
                if real in value:
                    value = value.replace(real, placeholder)
            return kind, value
        if kind is dict:
            key = []
            id_strings = self.slots.id_strings
            for k, v in value.items():
                sub = tree.get(k, _NO_TEXTS) if tree else _NO_TEXTS
                if type(sub) is tuple:
                    if isinstance(v, str):
                        self.taken[sub] = v
                        frozen = (
                            (str, "")
                            if not v
                            else ("text", SafeData if isinstance(v, SafeData) else str)
                        )
                    else:
                        frozen = self.key(v, _NO_TEXTS)
                else:
                    # The leaves inline (most of a context's values): one call fewer each.
                    leaf = type(v)
                    if leaf in _SCALARS:
                        frozen = (leaf, v)
                    elif leaf is str:
                        for real, placeholder in id_strings:
                            if real in v:
                                v = v.replace(real, placeholder)
                        frozen = (str, v)
                    else:
                        frozen = self.key(v, sub)
                key.append((k, frozen))
            return dict, tuple(key)
        if kind is list or kind is tuple:
            return kind, tuple(
                [(type(v), v) if type(v) in _SCALARS else self.key(v, _NO_TEXTS) for v in value]
            )
        if kind is uuid.UUID:
            return uuid.UUID, self.slots.id_map.get(value, value)
        if kind is datetime:
            return datetime
        if isinstance(value, Model):
            if id(value) in self.walking:
                raise _Unshaped
            self.walking.add(id(value))
            try:
                return self._model_key(value, tree)
            finally:
                self.walking.discard(id(value))
        # The rest (and the subclasses above) as value() takes them.
        return self.value(value, tree)[1]

    def _model_key(self, instance: Model, tree: dict[Any, Any]) -> tuple[Any, ...]:
        """`self._model(instance, tree)[1]` without the copy."""
        key: list[Any] = [type(instance)]
        opaque = self.slots.opaque
        id_strings = self.slots.id_strings
        for name, value in instance.__dict__.items():
            if name == "_state":
                if value.fields_cache:
                    key.append((name, self.key(dict(value.fields_cache), _NO_TEXTS)))
                continue
            if name in opaque and value not in (None, ""):
                key.append((name, "opaque"))
                continue
            sub = tree.get(name, _NO_TEXTS) if tree else _NO_TEXTS
            if type(sub) is tuple and isinstance(value, str):
                self.taken[sub] = value
                if not value:
                    key.append((name, (str, "")))
                else:
                    key.append((name, ("text", SafeData if isinstance(value, SafeData) else str)))
            else:
                leaf = type(value)
                if leaf in _SCALARS:
                    key.append((name, (leaf, value)))
                elif leaf is str:
                    for real, placeholder in id_strings:
                        if real in value:
                            value = value.replace(real, placeholder)
                    key.append((name, (str, value)))
                else:
                    key.append((name, self.key(value, sub if type(sub) is dict else _NO_TEXTS)))
        return tuple(key)

    def model(self, instance: Model, tree: dict[Any, Any]) -> tuple[Any, Any]:
        if id(instance) in self.walking:
            raise _Unshaped  # a cycle: such a fragment is rendered in full
        self.walking.add(id(instance))
        try:
            return self._model(instance, tree)
        finally:
            self.walking.discard(id(instance))

    def _model(self, instance: Model, tree: dict[Any, Any]) -> tuple[Any, Any]:
        copy = object.__new__(type(instance))
        key: list[Any] = [type(instance)]
        fields = copy.__dict__
        opaque = self.slots.opaque
        for name, value in instance.__dict__.items():
            if name == "_state":
                fields[name] = value
                if value.fields_cache:
                    key.append((name, self.value(dict(value.fields_cache), _NO_TEXTS)[1]))
                continue
            if name in opaque and value not in (None, ""):
                fields[name] = _OPAQUE[self.slots.which]
                key.append((name, "opaque"))
                continue
            sub = tree.get(name, _NO_TEXTS) if tree else _NO_TEXTS
            if type(sub) is tuple and isinstance(value, str):
                fields[name], frozen = self.text(sub, value)
            else:
                fields[name], frozen = self.value(value, sub if type(sub) is dict else _NO_TEXTS)
            key.append((name, frozen))
        return copy, tuple(key)


class _Shape:
    """A render split at its text placeholders; its id placeholders are replaced whole."""

    def __init__(self, pieces: list[str], gaps: list[tuple[bool, tuple]], ids: list[int]) -> None:
        self.pieces = pieces
        self.gaps = gaps  # (escaped, path) of each text between two pieces
        self.ids = [(str(_IDS[0][i]), i) for i in ids]  # the id placeholders it holds

    def fill(self, ids: list[str], texts: dict[tuple, Any]) -> str:
        out = [self.pieces[0]]
        for (escaped, path), piece in zip(self.gaps, self.pieces[1:], strict=True):
            text = str(texts[path])
            out.append(escape(text) if escaped else text)
            out.append(piece)
        html = "".join(out)
        # No text holds a placeholder id: they are made anew in each process.
        for placeholder, i in self.ids:
            html = html.replace(placeholder, ids[i])
        return html


def _split(html: str, text_paths: list[tuple]) -> _Shape:
    pieces, gaps, start = [], [], 0
    escaped = {escape(p): i for i, p in enumerate(_TEXTS[0])}
    raw = {p: i for i, p in enumerate(_TEXTS[0])}
    pattern = re.compile("|".join(re.escape(p) for p in [*escaped, *raw]))
    for found in pattern.finditer(html):
        pieces.append(html[start : found.start()])
        token = found.group()
        if token in escaped:
            gaps.append((True, text_paths[escaped[token]]))
        else:
            gaps.append((False, text_paths[raw[token]]))
        start = found.end()
    pieces.append(html[start:])
    return _Shape(pieces, gaps, [i for i, p in enumerate(_IDS[0]) if str(p) in html])


_shapes: dict[Any, _Shape | None] = {}
_lock = threading.Lock()


def forget(**kwargs: Any) -> None:
    """Settings or template files changed (a test's override, an edit in development):
    the shapes learnt so far may no longer be what the templates draw."""
    with _lock:
        _shapes.clear()


setting_changed.connect(forget, dispatch_uid="chat-rendering-shapes")
file_changed.connect(forget, dispatch_uid="chat-rendering-shapes")


def render(
    template_name: str,
    context: dict[str, Any],
    *,
    ids: Iterable[Any] = (),
    texts: Iterable[tuple] = (),
    opaque: Iterable[str] = (),
    extra_key: Any = None,
) -> str:
    """`render_to_string(template_name, context)`, from the shape's earlier render when
    there is one.

    `ids`: the fragment's ids (UUIDs), wherever they appear in the context, strings
    included; `texts`: paths to its texts in the context (`("item", "html")`, a model's
    field by name); `opaque`: model fields the template must not show (a position, a
    client's id). Datetimes are always taken out. `extra_key`: what else the template
    reads that is not in the context (a file it looks for).
    """
    ids = [i for i in ids if i is not None]
    if type(texts) is tuple and type(opaque) is tuple:  # as every caller gives them
        text_paths, path_tuple, tree, opaque_fields = _prepared(texts, opaque)
    else:
        text_paths = _text_paths(texts)
        path_tuple, tree, opaque_fields = tuple(text_paths), None, frozenset(opaque)
    try:
        slots = _Slots(ids, text_paths, opaque_fields, 0, tree)
        canon = _Canon(slots)
        key = canon.key(context, slots.tree)
    except (_Unshaped, ValueError):  # ValueError: an id that is no UUID
        return render_to_string(template_name, context)
    key = (template_name, get_language(), path_tuple, extra_key, key)
    try:
        shape = _shapes.get(key, False)
    except TypeError:  # a value whose hash failed deep inside
        return render_to_string(template_name, context)
    if shape is False:
        canonical, canonical_key = _Canon(slots).value(context, slots.tree)
        if canonical_key != key[-1]:  # the two walks must agree, or nothing is learnt
            return render_to_string(template_name, context)
        shape = _learn(template_name, context, canonical, ids, text_paths, opaque_fields)
        with _lock:
            if len(_shapes) >= MAX_SHAPES:
                _shapes.clear()
            _shapes[key] = shape
    if shape is None:
        return render_to_string(template_name, context)
    return shape.fill([real for real, _ in slots.id_strings], canon.taken)


def _learn(
    template_name: str,
    context: dict[str, Any],
    canonical: dict[str, Any],
    ids: list[Any],
    text_paths: dict[tuple, Any],
    opaque: frozenset[str],
) -> _Shape | None:
    """The shape of this render, or None if the template does more than pass the
    placeholders through (then every fragment of this shape is rendered in full)."""
    if len(ids) > len(_IDS[0]) or len(text_paths) > len(_TEXTS[0]):
        return None
    canon = _Canon(_Slots(ids, text_paths, opaque, 1))
    second, _ = canon.value(context, canon.slots.tree)
    shape = _split(render_to_string(template_name, canonical), list(text_paths))
    other = render_to_string(template_name, second)
    other_ids = [str(i) for i in _IDS[1]]
    other_texts = {path: _TEXTS[1][i] for i, path in enumerate(text_paths)}
    if shape.fill(other_ids, other_texts) != other:
        return None
    return shape

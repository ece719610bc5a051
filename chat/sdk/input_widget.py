"""The chat settings' widgets, as in Chainlit's `chainlit.input_widget`.

Each widget describes one setting; `to_dict()` is what the settings panel is drawn from
and what every value the user sends is checked against.

Example:
    from chat.sdk.input_widget import Select, Slider

    settings = await cl.ChatSettings([
        Select(id="model", label="Model", values=["small", "large"], initial_index=0),
        Slider(id="temperature", label="Temperature", initial=0.7, min=0, max=2, step=0.1),
    ]).send()
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal


@dataclass
class InputWidget:
    id: str
    label: str
    initial: Any = None
    tooltip: str | None = None
    description: str | None = None
    disabled: bool | None = False

    def __post_init__(self) -> None:
        if not self.id or not self.label:
            raise ValueError("Must provide key and label to load InputWidget")

    def _base(self, kind: str) -> dict[str, Any]:
        return {
            "type": kind,
            "id": self.id,
            "label": self.label,
            "initial": self.initial,
            "tooltip": self.tooltip,
            "description": self.description,
            "disabled": bool(self.disabled),
        }

    @abstractmethod
    def to_dict(self) -> dict[str, Any]: ...


def _items_of(values: list[str], items: dict[str, str], kind: str) -> dict[str, str]:
    """Choices as {label: value}; `values` is the short form where label and value agree."""
    if not values and not items:
        raise ValueError(f"Must provide values or items to create a {kind}")
    if values and items:
        raise ValueError(f"You can only provide either values or items to create a {kind}")
    return dict(items) if items else {value: value for value in values}


def _choice_list(items: dict[str, str]) -> list[dict[str, str]]:
    return [{"label": label, "value": value} for label, value in items.items()]


@dataclass
class Switch(InputWidget):
    """An on/off switch."""

    type: str = "switch"
    initial: bool = False

    def to_dict(self) -> dict[str, Any]:
        return self._base(self.type)


@dataclass
class Checkbox(InputWidget):
    """A checkbox; the same value as a switch, drawn as a box."""

    type: str = "checkbox"
    initial: bool = False

    def to_dict(self) -> dict[str, Any]:
        return self._base(self.type)


@dataclass
class Slider(InputWidget):
    """A number between `min` and `max`, in steps of `step`."""

    type: str = "slider"
    initial: float = 0
    min: float = 0
    max: float = 10
    step: float = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.min > self.max:
            raise ValueError(f"Slider {self.id!r}: min is above max")
        if self.step <= 0:
            raise ValueError(f"Slider {self.id!r}: step must be positive")

    def to_dict(self) -> dict[str, Any]:
        return {**self._base(self.type), "min": self.min, "max": self.max, "step": self.step}


@dataclass
class _Choice(InputWidget):
    initial: str | None = None
    initial_index: int | None = None
    initial_value: str | None = None
    values: list[str] = field(default_factory=list)
    items: dict[str, str] = field(default_factory=dict)

    _kind = "Select"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.values and self.initial_index is not None:
            raise ValueError(
                f"Initial_index can only be used in combination with values to create a "
                f"{self._kind}"
            )
        self.items = _items_of(self.values, self.items, self._kind)
        if self.initial_index is not None:
            self.initial = self.values[self.initial_index]
        elif self.initial_value is not None or self.initial is None:
            self.initial = self.initial_value

    def to_dict(self) -> dict[str, Any]:
        return {**self._base(self.type), "items": _choice_list(self.items)}


@dataclass
class Select(_Choice):
    """One choice from a list, drawn as a drop-down."""

    type: str = "select"


@dataclass
class RadioGroup(_Choice):
    """One choice from a list, drawn as radio buttons."""

    type: str = "radio"
    _kind = "RadioButton"


@dataclass
class TextInput(InputWidget):
    """Free text, on one line or several."""

    type: str = "textinput"
    initial: str | None = None
    placeholder: str | None = None
    multiline: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._base(self.type),
            "placeholder": self.placeholder,
            "multiline": self.multiline,
        }


@dataclass
class NumberInput(InputWidget):
    """Any number, or none."""

    type: str = "numberinput"
    initial: float | None = None
    placeholder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self._base(self.type), "placeholder": self.placeholder}


@dataclass
class Tags(InputWidget):
    """A list of short texts of the user's own; `values` are offered as suggestions."""

    type: str = "tags"
    initial: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self._base(self.type), "values": list(self.values)}


@dataclass
class MultiSelect(InputWidget):
    """Several choices from a list."""

    type: str = "multiselect"
    initial: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    items: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.items = _items_of(self.values, self.items, "MultiSelect")

    def to_dict(self) -> dict[str, Any]:
        return {**self._base(self.type), "items": _choice_list(self.items)}


def _iso(value: str | date | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must be in ISO format") from None


def _text(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class DatePicker(InputWidget):
    """A date, or a range of two (`mode="range"`), between `min_date` and `max_date`.

    Dates are `datetime.date`s or ISO texts ("2026-12-24"); the value a hook receives is
    the ISO text, or a list of two for a range. `format` (date-fns in Chainlit) is kept but
    the browser shows dates in the user's own way.
    """

    type: str = "datepicker"
    mode: Literal["single", "range"] = "single"
    initial: str | date | tuple[str | date, str | date] | None = None
    min_date: str | date | None = None
    max_date: str | date | None = None
    format: str | None = None
    placeholder: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.mode not in ("single", "range"):
            raise ValueError("mode must be 'single' or 'range'")
        if (
            self.mode == "range"
            and self.initial is not None
            and (not isinstance(self.initial, tuple | list) or len(self.initial) != 2)
        ):
            raise ValueError("'initial' must be a tuple for range mode")
        if self.mode == "single" and isinstance(self.initial, tuple | list):
            raise ValueError("'initial' must be one date for single mode")
        initial = list(self.initial) if isinstance(self.initial, tuple | list) else [self.initial]
        days = [_iso(d, "initial") for d in initial]
        low, high = _iso(self.min_date, "min_date"), _iso(self.max_date, "max_date")
        if low is not None and high is not None and low > high:
            raise ValueError("'[min_date, max_date]' range is invalid, start must be before end.")
        if len(days) == 2 and None not in days and days[0] > days[1]:  # type: ignore[operator]
            raise ValueError("'initial' range is invalid, start must be before end.")
        for day in days:
            if day is not None and ((low and day < low) or (high and day > high)):
                raise ValueError("'initial' must be within 'min_date' and 'max_date' bounds")

    def to_dict(self) -> dict[str, Any]:
        if isinstance(self.initial, tuple | list):
            initial: Any = [_text(_iso(d, "initial")) for d in self.initial]
        else:
            initial = _text(_iso(self.initial, "initial"))
        return {
            **self._base(self.type),
            "initial": initial,
            "mode": self.mode,
            "min_date": _text(_iso(self.min_date, "min_date")),
            "max_date": _text(_iso(self.max_date, "max_date")),
            "format": self.format,
            "placeholder": self.placeholder,
        }


@dataclass
class Tab:
    """A tab of the settings panel, holding some of the widgets.

    Example:
        await cl.ChatSettings([
            Tab(id="model", label="Model", inputs=[Select(id="model", ...)]),
            Tab(id="search", label="Search", inputs=[Switch(id="web", ...)]),
        ]).send()
    """

    id: str
    label: str
    inputs: list[InputWidget] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "inputs": [widget.to_dict() for widget in self.inputs],
        }


__all__ = [
    "Checkbox",
    "DatePicker",
    "InputWidget",
    "MultiSelect",
    "NumberInput",
    "RadioGroup",
    "Select",
    "Slider",
    "Switch",
    "Tab",
    "Tags",
    "TextInput",
]

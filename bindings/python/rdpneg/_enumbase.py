# SPDX-License-Identifier: Apache-2.0
"""Base classes of the binding's enums: str() is the name in the JSON.

A member keeps its C value (``int(Verdict.FAILING) == 2``, it compares
equal to 2 and formats with ``%d``/``{:d}``), while ``str()``, ``print()``,
``"%s"`` and ``f"{v}"`` give the name the rdpneg.probe/1 document uses for
it: ``"failing"``, ``"not_rdp"``, ``"SSL"``. ``from_json`` goes back.

* JsonIntEnum: the C ``typedef enum``s; JSON name = member name in lower
  case (Verdict, PhaseStatus, TcpStatus, X224Status, TlsStatus, Phase,
  Kind, ...).
* NamedIntEnum / NamedIntFlag: the ``#define`` groups; JSON name = member
  name (NegFailure ``"HYBRID_REQUIRED_BY_SERVER"``, Protocol ``"SSL"``). A
  combination of flags is written ``"SSL|HYBRID"``; ``names`` lists them as
  the document does (``x224.requested``).
* JsonStrEnum: values that only exist as strings in the documents
  (Severity, Confidence, ReportedVerdict); members are ``str``, so they also
  compare equal to the plain string (``Severity.FAILING == "failing"``).
"""

import enum
from typing import Dict, List, Type, TypeVar

__all__ = ["JsonIntEnum", "NamedIntEnum", "NamedIntFlag", "JsonStrEnum"]

_E = TypeVar("_E", bound="JsonIntEnum")
_N = TypeVar("_N", bound="NamedIntEnum")
_F = TypeVar("_F", bound="NamedIntFlag")
_S = TypeVar("_S", bound="JsonStrEnum")

# format specs that ask for the number rather than the name
_NUMERIC = frozenset("bcdoxXneEfFgG%")


def _format(member: "enum.Enum", value: int, spec: str) -> str:
    if spec and spec[-1] in _NUMERIC:
        return format(value, spec)
    return format(str(member), spec)


class JsonIntEnum(enum.IntEnum):
    """An IntEnum whose str() is its lower-case name, as in the JSON."""

    @property
    def json_name(self) -> str:
        """The name in the JSON documents ("not_rdp")."""
        return self.name.lower()

    @classmethod
    def from_json(cls: Type[_E], name: str) -> _E:
        """The member named |name| in a document; ValueError if none."""
        try:
            return cls[str(name).upper()]
        except KeyError:
            raise ValueError("%r is not a %s name" % (name, cls.__name__)) \
                from None

    def __str__(self) -> str:
        return self.name.lower()

    def __format__(self, spec: str) -> str:
        return _format(self, int(self), spec)


class NamedIntEnum(enum.IntEnum):
    """An IntEnum whose str() is its name, as in the JSON."""

    @property
    def json_name(self) -> str:
        return self.name

    @classmethod
    def from_json(cls: Type[_N], name: str) -> _N:
        try:
            return cls[str(name).upper()]
        except KeyError:
            raise ValueError("%r is not a %s name" % (name, cls.__name__)) \
                from None

    def __str__(self) -> str:
        return self.name

    def __format__(self, spec: str) -> str:
        return _format(self, int(self), spec)


class NamedIntFlag(enum.IntFlag):
    """An IntFlag whose str() is its name (a combination: the names joined
    with "|"; no bit: the zero member's name, e.g. Protocol.RDP)."""

    @property
    def names(self) -> List[str]:
        """The names of the set bits, lowest first, as the JSON lists them
        (["SSL", "HYBRID"]); a bit without a name is written 0x...."""
        value = int(self)
        # __members__, not iteration: that skips a zero member (3.11)
        by_value: Dict[int, str] = {}
        for name, member in type(self).__members__.items():
            by_value.setdefault(int(member), name)
        if value == 0:
            return [by_value.get(0, "0x0")]
        out = []
        for bit in range(value.bit_length()):
            mask = 1 << bit
            if value & mask:
                out.append(by_value.get(mask, "0x%x" % mask))
        return out

    @property
    def json_name(self) -> str:
        return "|".join(self.names)

    @classmethod
    def from_json(cls: Type[_F], name: str) -> _F:
        """The flags named |name| ("SSL", "SSL|HYBRID", "ssl,hybrid")."""
        value = 0
        for part in str(name).replace(",", "|").split("|"):
            part = part.strip().upper()
            if not part:
                continue
            try:
                value |= int(cls[part])
            except KeyError:
                raise ValueError("%r is not a %s name" %
                                 (part, cls.__name__)) from None
        return cls(value)

    def __str__(self) -> str:
        return self.json_name

    def __format__(self, spec: str) -> str:
        return _format(self, int(self), spec)


class JsonStrEnum(str, enum.Enum):
    """A str enum whose value is the JSON name; str() is that value."""

    @property
    def json_name(self) -> str:
        return str(self.value)

    @classmethod
    def from_json(cls: Type[_S], name: str) -> _S:
        return cls(name)

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

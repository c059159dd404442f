"""Generated personal data for tests: never real people, but shaped like Kyrgyz data."""
from __future__ import annotations

import random
from dataclasses import dataclass

GIVEN = ["Айбек", "Нургүл", "Бактыгүл", "Эрмек", "Чынара", "Азамат", "Дильноза", "Сергей", "Гүлзат", "Улугбек"]
FAMILY = ["Токтосунов", "Абдыкадырова", "Жумабеков", "Исмаилова", "Петров", "Сапарова", "Каримов", "Осмонова"]


@dataclass(frozen=True)
class Person:
    name: str
    pin: str       # 14 digits: sex digit, DDMMYYYY, 5 digits
    phone: str     # +996 and 9 digits

    @property
    def canaries(self) -> list[str]:
        return [self.name, self.pin, self.phone]


def person(seed: int) -> Person:
    rng = random.Random(seed)
    name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}{rng.randint(100, 999)}"  # a suffix no real name has
    birth = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(1995, 2010)}"
    pin = f"{rng.choice('12')}{birth}{rng.randint(0, 99999):05d}"
    phone = f"+996{rng.choice('57')}{rng.randint(0, 99999999):08d}"
    return Person(name, pin, phone)

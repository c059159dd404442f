"""Fixtures for OpenRosa tests: a project, a published photo form and a tablet's base URL."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.xlsforms import photo_form


@dataclass
class Field:
    base: str          # Collect's server URL: …/v1/key/{token}/projects/{id}
    project_id: int
    token: str
    form_id: str


@pytest.fixture
def field(world, live_server) -> Field:
    project_id = world.project()
    form_id = world.publish(project_id, photo_form())
    _, token = world.app_user(project_id, forms=[form_id])
    return Field(world.collect_base(live_server, project_id, token), project_id, token, form_id)

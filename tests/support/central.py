"""A real pyodk ``Client`` pointed at a Sapat server, configured as its users configure it: a TOML file."""
from __future__ import annotations

from pathlib import Path

from pyodk.client import Client


def pyodk_client(folder: Path, base_url: str, email: str, password: str, project_id: int | None = None) -> Client:
    """An opened (signed-in) client; its config and token cache live in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "pyodk_config.toml"
    lines = ["[central]", f'base_url = "{base_url}"', f'username = "{email}"', f'password = "{password}"']
    if project_id is not None:
        lines.append(f"default_project_id = {project_id}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Client(config_path=config, cache_path=folder / "pyodk_cache.toml").open()

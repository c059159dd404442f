"""Streaming a sealed blob to the client: opened chunk by chunk, memory stays flat."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, stream_with_context

from ..services import sealing
from ..storage.blobs import Blob


def file_response(blob: Blob, name: str, etag: str | None = None) -> Response:
    chunks = sealing.open_file(blob)
    first = next(chunks)  # opens the file and checks the first chunk before any header is sent

    def body():
        yield first
        yield from chunks
    response = Response(stream_with_context(body()), mimetype=blob.content_type)
    response.headers["Content-Length"] = str(blob.size)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    if etag:
        response.set_etag(etag)
    return response

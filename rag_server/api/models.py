"""`GET /v1/models`: the one model this server serves."""

from __future__ import annotations

from litestar import get

from rag_server.api.openai_types import ModelCard, ModelList
from rag_server.bundle import Bundle
from rag_server.retrieval.access import Principal
from rag_server.settings import EngineSettings

__all__ = ["list_models"]


@get("/models", sync_to_thread=False)
def list_models(engine_settings: EngineSettings, started_at: int, bundle: Bundle, principal: Principal) -> ModelList:
    """Authenticated like every `/v1` route (`principal` is resolved, then unused: any valid key may list)."""
    card = ModelCard(
        id=engine_settings.model_name,
        created=started_at,
        owned_by="rag-server",
        max_model_len=engine_settings.max_model_len,
        bundle=bundle,
    )
    return ModelList(data=[card])

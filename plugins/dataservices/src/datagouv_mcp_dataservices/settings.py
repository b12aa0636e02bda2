"""Settings of the dataservices plugin: DATAGOUV_MCP_DATASERVICES_* (the core adds the prefix)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class DataservicesSettings(BaseSettings):
    # Characters of a dataservice's description in search results (the official server: 200).
    search_description_chars: int = Field(200, ge=0, le=20_000)
    # Characters of the description shown by get_dataservice_info (structured: all of it).
    description_chars: int = Field(4000, ge=200, le=100_000)
    # Related datasets listed by get_dataservice_info (fetched with the record).
    related_datasets: int = Field(10, ge=0, le=100)
    # The largest API description fetched (through the guarded fetch), in bytes.
    spec_max_bytes: int = Field(10_000_000, ge=10_000, le=200_000_000)
    # Operations shown per page of get_dataservice_openapi_spec by default.
    operations_page_size: int = Field(30, ge=1, le=200)
    # Retry a search that found nothing without generic words such as "données" or "api".
    retry_without_generic_words: bool = True
    # Hard cap on any text a tool returns, in characters.
    max_text_chars: int = Field(60_000, ge=2_000, le=1_000_000)

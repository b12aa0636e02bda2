"""Settings of the datasets plugin: DATAGOUV_MCP_DATASETS_* (the core applies the prefix)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class DatasetsSettings(BaseSettings):
    # Characters of a dataset's description shown by get_dataset_info; the structured content
    # always carries the whole description.
    description_chars: int = Field(4000, ge=200, le=100_000)
    # Characters of each description kept in search results (text and structured content):
    # twenty full descriptions would drown the answer.
    search_description_chars: int = Field(1000, ge=0, le=20_000)
    # Characters of each resource description kept by list_dataset_resources.
    resource_description_chars: int = Field(500, ge=0, le=20_000)
    # Tags shown per dataset in search results (the official server shows 5) and in the info.
    search_tags_shown: int = Field(5, ge=0, le=50)
    info_tags_shown: int = Field(20, ge=0, le=200)
    # Default page size of list_dataset_resources (the caller may ask for up to 100).
    resources_page_size: int = Field(50, ge=1, le=100)
    # Retry a search that found nothing without generic words such as "données" or "csv".
    retry_without_generic_words: bool = True
    # Hard cap on any text a tool returns, in characters.
    max_text_chars: int = Field(60_000, ge=2_000, le=1_000_000)

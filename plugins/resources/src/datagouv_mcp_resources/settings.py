"""Settings of the resources plugin: DATAGOUV_MCP_RESOURCES_* (the core applies the prefix)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class ResourcesSettings(BaseSettings):
    # query_resource_data: the largest page_size asked for. The Tabular API serves 50 rows a
    # request; larger pages are fetched as several upstream pages at once.
    query_max_page_size: int = Field(200, ge=1, le=1000)
    # Characters of one cell in the text table (the structured content keeps the value).
    cell_chars: int = Field(60, ge=10, le=2000)
    # Characters of one value kept in structured content (downloads and queries).
    value_chars: int = Field(2000, ge=100, le=100_000)
    # download_and_parse_resource: the most rows one call returns.
    download_max_rows: int = Field(500, ge=1, le=10_000)
    # Bytes read from a file before stopping (after decompression, for CSV.GZ and ZIP).
    download_max_bytes: int = Field(200_000_000, ge=1_000, le=100_000_000_000)
    # Seconds spent reading a file before stopping.
    download_max_seconds: float = Field(20.0, gt=0, le=600)
    # Spreadsheets (XLSX, XLS, ODS) are read whole: the largest read.
    spreadsheet_max_bytes: int = Field(20_000_000, ge=1_000, le=1_000_000_000)
    # ZIP archives are spooled to a temporary file (ZIP needs seeking): the largest spooled.
    archive_max_bytes: int = Field(100_000_000, ge=1_000, le=10_000_000_000)
    # Hard cap on any text a tool returns, in characters.
    max_text_chars: int = Field(60_000, ge=2_000, le=1_000_000)

"""The installed version, read from package metadata."""

from importlib.metadata import PackageNotFoundError, version


def package_version(distribution: str = "datagouv-mcp-core") -> str:
    """The distribution's installed version, or "unknown" when it is not installed."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


__version__ = package_version()

"""sfprep: lint, fix and batch Salesforce Bulk API data files before they are loaded."""

__version__ = "0.1.0"

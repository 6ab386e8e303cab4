"""Views, one module per feature: pages (home), scans (report, site history), glossary."""

"""The public JSON API (django-ninja): operations in views, shapes in schemas, errors in errors."""

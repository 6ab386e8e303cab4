# One image for the web server, the worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=0

RUN useradd --create-home --uid 10001 app
WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN mkdir checker webui && touch checker/__init__.py webui/__init__.py \
    && pip install . && pip uninstall --yes corscheck

COPY checker ./checker
COPY webui ./webui
COPY templates ./templates
COPY static ./static
COPY manage.py ./
# Editable, so settings find templates/ and static/ beside the code.
RUN pip install --no-deps -e . \
    && python manage.py collectstatic --noinput \
    && mkdir -p var && chown -R app:app var

USER app
EXPOSE 8000
CMD ["gunicorn", "webui.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

"""TLS: the certificate must verify, or no other protection on the page can be trusted."""

from collections.abc import Iterable

from checker.findings import finding
from checker.model import Finding, Observation


def analyze(observation: Observation) -> Iterable[Finding]:
    if observation.tls_error is None:
        return
    yield finding(
        "tls.certificate-invalid",
        title="The TLS certificate does not verify, so browsers show a full-page warning.",
        exchanges=(observation.chain[0].probe,),
        facts=(("error", observation.tls_error),),
    )

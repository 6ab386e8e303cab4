"""TLS: the certificate must verify, or no other protection on the page can be trusted."""

from collections.abc import Iterable

from checker.model import Finding, Observation, Severity


def analyze(observation: Observation) -> Iterable[Finding]:
    if observation.tls_error is None:
        return
    yield Finding(
        id="tls.certificate-invalid",
        severity=Severity.CRITICAL,
        title="The TLS certificate does not verify, so browsers show a full-page warning.",
        glossary="tls-certificate",
        exchanges=(observation.chain[0].probe,),
        facts=(("error", observation.tls_error),),
    )

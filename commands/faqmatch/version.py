"""The version of the matching engine: held-out question sets are scored once per version."""

__all__ = ["ENGINE_VERSION"]

# Bump whenever a change (code, cues, weights, synonyms) can change an outcome, so that a
# held-out score always names the engine it belongs to. `klimabot faq eval` prints it.
ENGINE_VERSION = "2026-12-07.15"

"""require(): a missing service is 'not set up', not 'reserved to the climate management'."""

from __future__ import annotations

import pytest

from commands.errors import CommandError
from commands.services import require


def test_a_missing_service_is_not_called_a_manager_privilege() -> None:
    with pytest.raises(CommandError) as caught:
        require(None)
    assert caught.value.key == "error.unavailable"
    assert require("there") == "there"

"""shared.uploads: whose an uploaded object is."""

from __future__ import annotations

import pytest

from shared.uploads import uploader_of, user_upload_key

USER = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"
OBJECT = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"


def test_a_user_upload_key_names_its_uploader() -> None:
    assert uploader_of(user_upload_key(USER, OBJECT, "csv")) == USER


@pytest.mark.parametrize(
    "key",
    [
        "uploads/2026/November orders(1).csv",  # a back-office file in a folder
        "uploads/orders.csv",
        f"uploads/{USER}/sub/{OBJECT}.csv",
        f"uploads/../{USER}/{OBJECT}.csv",
        f"reports/{USER}/{OBJECT}.csv",
    ],
)
def test_other_keys_have_no_uploader(key: str) -> None:
    assert uploader_of(key) is None


def test_a_user_id_that_could_escape_its_folder_is_refused() -> None:
    with pytest.raises(ValueError, match="not a user upload key"):
        user_upload_key("a/b", OBJECT, "csv")

"""Uploads through upload_url's presigned POST, then the S3 notifications: csv_ingest and image_resizer."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import partial

import pytest
from PIL import Image

from shared.orders import Order
from tests.e2e.harness import Stack, http_request, multipart, unique, wait_for
from tests.e2e.scenarios import stored_order, visible_through_the_api

pytestmark = pytest.mark.e2e


def upload(stack: Stack, content: bytes, content_type: str) -> str:
    """Ask POST /uploads for a presigned form, POST the file with it; the object's key."""
    answer = stack.http("POST", "/uploads", json_body={"content_type": content_type, "size": len(content)})
    assert answer.status == 200, f"POST /uploads: {answer}"
    form = answer.json()
    key = str(form["key"])
    assert key.startswith("uploads/"), form
    body, form_type = multipart(form["fields"], key.rsplit("/", 1)[-1], content, content_type)
    posted = http_request("POST", form["url"], body=body, headers={"Content-Type": form_type})
    assert posted.status in (200, 201, 204), f"presigned POST to {form['url']}: {posted}"
    return key


def s3_object(stack: Stack, bucket: str, key: str) -> bytes | None:
    s3 = stack.aws("s3")
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def get_order(stack: Stack, order_id: str) -> Order | None:
    return stored_order(stack, order_id)


def test_csv_upload_lands_its_rows(stack: Stack) -> None:
    # Given a CSV export of the suite's user: two good rows (one with a quoted note holding a comma), a row for
    # another customer (an upload acts as its uploader only) and a bad row
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ids = [unique("csv") for _ in range(3)]
    me = stack.user_id()  # the suite's user owns the first two rows, so the API shows them
    rows = [
        "order_id,customer_id,status,total,currency,created_at,note",
        f"{ids[0]},{me},CONFIRMED,19.98,EUR,{now},",
        f'{ids[1]},"{me}",SHIPPED,5,USD,{now},"gift, wrapped"',
        f"{ids[2]},cust-3,DELIVERED,0.01,GBP,{now},",
        f"{unique('csv-bad')},cust-4,CONFIRMED,not-a-number,EUR,{now},",
    ]
    content = ("\r\n".join(rows) + "\r\n").encode()

    # When it is uploaded through the presigned POST
    key = upload(stack, content, "text/csv")

    # Then the user's rows land as orders from the CSV source, with their total as a 2-decimal string
    landed = [
        wait_for(partial(get_order, stack, i), timeout_s=60, what=f"CSV row {i} in the orders table") for i in ids[:2]
    ]
    assert [(o.customer_id, o.status, o.total, o.source) for o in landed] == [
        (me, "CONFIRMED", "19.98", "csv"),
        (me, "SHIPPED", "5.00", "csv"),
    ]
    # And its user sees the imported orders through the API
    visible_through_the_api(stack, ids[0], "CONFIRMED")
    visible_through_the_api(stack, ids[1], "SHIPPED")

    # And the other customer's row and the bad row are reported next to the input, naming their lines
    uploads = stack.bucket("uploads")
    name = key.removeprefix("uploads/")

    def report() -> bytes | None:
        listed = stack.aws("s3").list_objects_v2(Bucket=uploads, Prefix="reports/").get("Contents", [])
        keys = [o["Key"] for o in listed if name in o["Key"]]
        return s3_object(stack, uploads, keys[0]) if keys else None

    errors = wait_for(report, timeout_s=30, what=f"the errors report for {key}").decode()
    assert [line.split(",")[0] for line in errors.splitlines()[1:3]] == ["4", "5"], f"report: {errors!r}"
    assert get_order(stack, ids[2]) is None


def test_image_upload_produces_a_resized_copy(stack: Stack) -> None:
    # Given a 1600×1000 PNG
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1000), (200, 30, 30)).save(buffer, format="PNG")

    # When it is uploaded through the presigned POST
    key = upload(stack, buffer.getvalue(), "image/png")

    # Then a copy appears under resized/, fitted into 800×600 with the aspect ratio kept
    resized_key = "resized/" + key.removeprefix("uploads/")
    uploads = stack.bucket("uploads")
    copy = wait_for(lambda: s3_object(stack, uploads, resized_key), timeout_s=60, what=f"{resized_key} in {uploads}")
    with Image.open(io.BytesIO(copy)) as image:
        assert image.format == "PNG"
        assert image.size == (800, 500), f"resized to {image.size}"

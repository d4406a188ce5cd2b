"""One upload: filter → read → resize → write; permanent problems are logged and not retried."""

from __future__ import annotations

from typing import Any

from image_resizer import storage
from image_resizer.objects import INPUT_PREFIX, ObjectRef
from image_resizer.resize import ImageBombError, NotAnImageError, resize
from shared.observability import logger, metrics


def process(ref: ObjectRef) -> dict[str, Any]:
    result: dict[str, Any] = {"key": ref.key}
    if not ref.key.startswith(INPUT_PREFIX):
        # Defence in depth: the trigger is filtered to uploads/, and the copies go to resized/.
        logger.info("skipped: not under uploads/", extra={"key": ref.key})
        return result | {"status": "skipped", "reason": "not under uploads/"}
    try:
        data = storage.read(ref)
        if data is None:
            logger.warning("skipped: the object no longer exists", extra={"key": ref.key})
            return result | {"status": "skipped", "reason": "object no longer exists"}
        image = resize(data)
    except NotAnImageError as exc:
        logger.info("skipped: not an image", extra={"key": ref.key, "reason": exc.message})
        return result | {"status": "skipped", "reason": exc.message}
    except (ImageBombError, storage.ObjectTooLargeError) as exc:
        logger.warning("rejected: too large to decode", extra={"key": ref.key, "reason": exc.message})
        metrics.add_metric(name="ImagesRejected", unit="Count", value=1)
        return result | {"status": "rejected", "reason": exc.message}
    storage.write(ref, image)
    logger.info("image resized", extra={"key": ref.key, "output_key": ref.output_key, "format": image.format})
    metrics.add_metric(name="ImagesResized", unit="Count", value=1)
    return result | {
        "status": "resized",
        "output_key": ref.output_key,
        "format": image.format,
        "width": image.width,
        "height": image.height,
        "original_width": image.original_width,
        "original_height": image.original_height,
    }

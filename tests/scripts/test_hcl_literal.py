"""scripts.hcl_literal: literal HCL (blocks, objects, lists, scalars) read as data; anything else refused by line."""

from __future__ import annotations

import pytest

from scripts.hcl_literal import HclLiteralError, parse


def test_a_wiring_shaped_table_reads_as_data() -> None:
    # Given a locals block with the shapes wiring.tf uses: comments, quoted and dashed keys, trailing commas
    text = """
    # a comment
    locals {
      wiring = {
        api = {
          memory_size = 512   // sizing
          env         = ["ORDERS_TABLE", "EVENT_BUS_NAME"]
          routes = [
            "ANY /orders",
            "GET /orders/{proxy+}",
          ]
          event_pattern = { detail-type = ["OrderCreated"], "source" = ["orders"] }
          s3 = [{ prefix = "uploads/", suffix = ".csv" }, { prefix = "a\\"b", suffix = "" }]
          async = true, ratio = -1.5e2
          none  = null
        }
        /* a block comment */
        empty = {}
      }
    }
    """
    # When it is parsed
    data = parse(text)
    # Then every value is plain data with its type
    assert data == {
        "locals": {
            "wiring": {
                "api": {
                    "memory_size": 512,
                    "env": ["ORDERS_TABLE", "EVENT_BUS_NAME"],
                    "routes": ["ANY /orders", "GET /orders/{proxy+}"],
                    "event_pattern": {"detail-type": ["OrderCreated"], "source": ["orders"]},
                    "s3": [{"prefix": "uploads/", "suffix": ".csv"}, {"prefix": 'a"b', "suffix": ""}],
                    "async": True,
                    "ratio": -150.0,
                    "none": None,
                },
                "empty": {},
            }
        }
    }


def test_labelled_blocks_nest_by_label_and_repeated_locals_merge() -> None:
    text = 'module "queues" {\n  name = "q"\n}\nlocals {\n  a = 1\n}\nlocals {\n  b = [2]\n}\n'
    assert parse(text) == {"module": {"queues": {"name": "q"}}, "locals": {"a": 1, "b": [2]}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("locals {\n  a = {\n    b = local.c\n  }\n}", r"line 3: 'local' is not a literal value"),
        ('locals {\n  a = "${var.prefix}-x"\n}', r"line 2: string template .* needs evaluating"),
        ("locals {\n  a = max(1, 2)\n}", r"line 2: 'max' is not a literal value"),
        ("locals {\n  a = { b = 1\n    b = 2 }\n}", r"line 3: duplicate key 'b'"),
        ("locals {\n  a = 1\n  a = 2\n}", r"line 3: a is defined twice"),
        ("locals {\n  a = [1 2]\n}", r"line 2: expected ',' or '\]' in a list"),
        ("locals {\n  a = <<EOT\nx\nEOT\n}", r"line 2: heredoc strings are not supported"),
        ("locals {\n  a = 1 + 2\n}", r"line 2: '\+' after a = … needs evaluating"),
        ("locals {\n  a = 1\n}\n$", r"line 4: not a literal value at '\$'"),
    ],
)
def test_anything_needing_evaluation_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(HclLiteralError, match=message):
        parse(text)

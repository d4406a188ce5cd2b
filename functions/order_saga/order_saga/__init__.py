"""Order saga: the Step Functions task handlers that reserve, charge, ship and compensate an order."""

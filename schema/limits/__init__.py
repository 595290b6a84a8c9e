"""What a request may ask for: document shape, cost, tokens, literals, budgets.

Every check here refuses a request before it runs; none of it belongs to an
app, so it lives with the gateway that applies it.
"""

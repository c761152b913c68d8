"""What a search asks, and what it will do: the typed request (request.py), query syntax
(syntax.py, parsing.py), the planner of words (words.py), the bounds on a query's size
(bounds.py) and its cost (budget.py), and the one QueryPlan built from them per search
(plan.py)."""

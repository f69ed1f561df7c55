"""Calls, applications, the approval review, the public notice and recommendations upward
(DESIGN §13). One module per thing: calls, forms (an application's fields, validated as the
registration it becomes), machine (firing the application lifecycle), review (approval-review
panels and blind scores), notice (ranking and objections), upward (recommendations), view (JSON)."""

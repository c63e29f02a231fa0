{#-
    R-PUB-2: a public cube shows a cell only when at least `threshold` records meet it, and a suppressed cell
    shows no count (null, never 0). Fails on any row that breaks either.
-#}
{% test public_cells_respect_threshold(model, threshold=5) %}
select *
from {{ model }}
where
    (not is_suppressed and (record_count is null or record_count < {{ threshold }}))
    or (is_suppressed and record_count is not null)
{% endtest %}

-- The interval macros against test vectors with known answers: the methods' worked examples
-- and values from the Python reference implementation
-- (pipelines/transform/interval_reference.py).
-- Returns the vectors the SQL gets wrong (a passing test returns no rows).
with

vectors as (

    select reference_vectors.* from (
        values
        ('wilson x=65 n=100 lower', {{ wilson_lower(65, 100) }}, 0.552544),
        ('wilson x=65 n=100 upper', {{ wilson_upper(65, 100) }}, 0.736358),
        ('wilson x=0 n=20 lower', {{ wilson_lower(0, 20) }}, 0.0),
        ('wilson x=20 n=20 upper', {{ wilson_upper(20, 20) }}, 1.0),
        ('byar O=65 lower', {{ poisson_lower(65) }}, 50.163),
        ('byar O=65 upper', {{ poisson_upper(65) }}, 82.849),
        ('exact O=5 lower', {{ poisson_lower(5) }}, 1.623486),
        ('exact O=5 upper', {{ poisson_upper(5) }}, 11.668332),
        ('exact O=0 lower', {{ poisson_lower(0) }}, 0.0),
        ('exact O=0 upper', {{ poisson_upper(0) }}, 3.688879),
        ('exact O=0 upper 99.8', {{ poisson_upper(0, '998') }}, 6.907755),
        -- unmet need as Fingertips 93517 publishes it: England 2019/20, 146,006 in
        -- treatment, estimate 305,118 (301,515 to 315,753) gives 52.1% (51.6 to 53.8)
        (
            'unmet need England 2019/20 lower',
            {{ unmet_need_limit(146006, 301515, 315753, 'lower') }},
            0.515759
        ),
        (
            'unmet need England 2019/20 upper',
            {{ unmet_need_limit(146006, 301515, 315753, 'upper') }},
            0.537594
        )
    ) as reference_vectors (vector, computed, expected)

)

select vectors.* from vectors
where vectors.computed is null or abs(vectors.computed - vectors.expected) > 0.0005

module github.com/manifold-oms/manifold/migrations

go 1.26

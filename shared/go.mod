module github.com/manifold-oms/manifold/shared

go 1.26

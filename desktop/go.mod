module github.com/manifold-oms/manifold/desktop

go 1.26

require github.com/manifold-oms/manifold/shared v0.0.0

replace github.com/manifold-oms/manifold/shared => ../shared

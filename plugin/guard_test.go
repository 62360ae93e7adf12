package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/fluent/fluent-bit-go/output"
)

func panics() (ret int) {
	defer guard("test", &ret)
	var m map[string]int
	m["boom"]++ // assignment to a nil map
	return output.FLB_OK
}

func TestGuardTurnsPanicIntoFLBError(t *testing.T) {
	if got := panics(); got != output.FLB_ERROR {
		t.Fatalf("guarded function returned %d after a panic, want FLB_ERROR (%d)", got, output.FLB_ERROR)
	}
}

// Every cgo export must start by deferring guard: a panic that escapes an
// export kills the whole Fluent Bit process.
func TestEveryExportIsGuarded(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	exports := 0
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Doc == nil || !strings.Contains(fn.Doc.Text(), "export ") && !hasExportDirective(fn) {
			continue
		}
		exports++
		first, ok := fn.Body.List[0].(*ast.DeferStmt)
		if !ok {
			t.Errorf("export %s does not start with defer guard(...)", fn.Name.Name)
			continue
		}
		if id, ok := first.Call.Fun.(*ast.Ident); !ok || id.Name != "guard" {
			t.Errorf("export %s defers something other than guard", fn.Name.Name)
		}
	}
	if exports < 5 {
		t.Fatalf("found %d exports, want FLBPluginRegister, Init, Flush(Ctx), ExitCtx, Exit", exports)
	}
}

func hasExportDirective(fn *ast.FuncDecl) bool {
	for _, c := range fn.Doc.List {
		if strings.HasPrefix(c.Text, "//export ") {
			return true
		}
	}
	return false
}

// A flush for a context the plugin never set up is an error, not a crash.
func TestFlushUnknownContext(t *testing.T) {
	if got := flush(nil, nil, 0, nil); got != output.FLB_ERROR {
		t.Fatalf("flush without an instance returned %d", got)
	}
}

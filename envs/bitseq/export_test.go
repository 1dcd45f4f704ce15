package bitseq

// TransformerParams exposes transformerParams to the tests.
var TransformerParams = transformerParams

-- tasklens in Neovim (0.7 or newer), as the README shows it: diagnostics, quick fixes, hovers and
-- lenses for TypeScript workflows and redun .py files; the lenses run and explain tasks.
local config = {
  name = "tasklens",
  cmd = vim.g.tasklens_cmd or { "tasklens", "lsp", "--stdio" },
  root_dir = vim.fn.getcwd(),
  -- Lets the lenses run tasks (the server spawns `tasklens run`); leave it out to only analyse.
  init_options = { runTasks = "server" },
  on_attach = function(_, bufnr)
    -- Lenses are fetched on these events; <leader>tr runs (or explains) the lens on the cursor's line.
    vim.api.nvim_create_autocmd({ "BufEnter", "CursorHold", "InsertLeave", "BufWritePost" }, {
      buffer = bufnr,
      callback = function() vim.lsp.codelens.refresh() end,
    })
    vim.keymap.set("n", "<leader>tr", vim.lsp.codelens.run, { buffer = bufnr, desc = "tasklens: run the lens on this line" })
    vim.lsp.codelens.refresh()
  end,
}
local client_id
vim.api.nvim_create_autocmd("FileType", {
  pattern = { "typescript", "javascript", "python" },
  callback = function(args)
    if vim.lsp.start then
      vim.lsp.start(config) -- Neovim 0.8+
    else
      client_id = client_id or vim.lsp.start_client(config)
      vim.lsp.buf_attach_client(args.buf, client_id)
    end
  end,
})

-- A scripted headless Neovim session (test/lsp/nvim.test.mjs): the README's configuration
-- (tasklens.lua), a workflow opened, its diagnostics and lenses, a task run through its lens, the lens
-- seen turning cached. Everything observed goes to $TASKLENS_NVIM_OUT as JSON lines.
vim.g.tasklens_cmd = { vim.env.TASKLENS_NODE or "node", vim.env.TASKLENS_CLI, "lsp", "--stdio" }
dofile(vim.env.TASKLENS_CONFIG)

local out = assert(io.open(vim.env.TASKLENS_NVIM_OUT, "w"))
local function record(kind, value)
  out:write(vim.fn.json_encode({ kind = kind, value = value }) .. "\n")
  out:flush()
end
local messages = {}
vim.lsp.handlers["window/showMessage"] = function(_, result)
  table.insert(messages, result.message)
  record("message", result.message)
end

local function lens_titles(bufnr)
  local titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    if lens.command then table.insert(titles, { line = lens.range.start.line, title = lens.command.title, command = lens.command.command, task = lens.command.arguments and lens.command.arguments[1].task }) end
  end
  return titles
end

local function main_status(bufnr)
  for _, l in ipairs(lens_titles(bufnr)) do
    if l.task and l.task:match("%.main$") and l.command:match("explainTask$") then return l.title end
  end
end

vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    vim.defer_fn(function()
      local ok, err = pcall(function()
        local bufnr = vim.api.nvim_get_current_buf()
        local attached = vim.wait(20000, function() return #vim.lsp.buf_get_clients(bufnr) > 0 end, 50)
        record("attached", attached)
        vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
        local diagnostics = {}
        for _, d in ipairs(vim.diagnostic.get(bufnr)) do table.insert(diagnostics, { line = d.lnum, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code), message = d.message }) end
        record("diagnostics", diagnostics)
        local deadline = vim.loop.now() + 20000
        while #vim.lsp.codelens.get(bufnr) == 0 and vim.loop.now() < deadline do
          vim.lsp.codelens.refresh()
          vim.wait(300, function() return #vim.lsp.codelens.get(bufnr) > 0 end, 50)
        end
        record("lenses", lens_titles(bufnr))
        -- Run main through its ▶ lens as a user would: the cursor on its line, vim.lsp.codelens.run()
        -- (<leader>tr), "▶ Run task" picked among the line's lenses.
        local run_line
        for _, l in ipairs(lens_titles(bufnr)) do
          if l.title == "▶ Run task" and l.task:match("%.main$") then run_line = l.line end
        end
        vim.ui.select = function(items, _, on_choice)
          record("choices", vim.tbl_map(function(o) return o.lens.command.title end, items))
          for i, o in ipairs(items) do
            if o.lens.command.title == "▶ Run task" then return on_choice(o, i) end
          end
        end
        vim.api.nvim_win_set_cursor(0, { run_line + 1, 0 })
        vim.lsp.codelens.run()
        vim.wait(60000, function()
          for _, m in ipairs(messages) do if m:match("done") or m:match("failed") then return true end end
          return false
        end, 50)
        deadline = vim.loop.now() + 20000
        while not (main_status(bufnr) or ""):match("cached") and vim.loop.now() < deadline do
          vim.lsp.codelens.refresh()
          vim.wait(300, function() return false end, 50)
        end
        record("status-after-run", main_status(bufnr))
      end)
      if not ok then record("error", tostring(err)) end
      record("end", true)
      out:close()
      vim.cmd("qa!")
    end, 100)
  end,
})
